"""The Pulumi program: the only package that imports Pulumi.

`program.main()` is the entry point (`__main__.py` at the repository root only calls it);
`program.build()` registers one environment's resources from its plan (svcaccounts.core.plan), so
`svcaccounts plan` and `pulumi up` cannot disagree about names or generations.
"""
