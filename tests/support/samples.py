"""The sample AWS-backed stack (tests/fixtures/aws-stack/Pulumi.prod-aws.yaml), loaded together with
the repository's own stack files, scopes and definitions, as if it were a stack of this repository."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from svcaccounts.core.plan import EnvironmentPlan, plan_environment
from svcaccounts.core.settings import StackSettings
from svcaccounts.definitions import LoadResult, load_files
from svcaccounts.definitions.loader import read_repository_files
from svcaccounts.definitions.stack_settings import settings_of

REPOSITORY_ROOT = Path(__file__).resolve().parents[2]
AWS_STACK = "prod-aws"
AWS_STACK_FILE = REPOSITORY_ROOT / "tests" / "fixtures" / "aws-stack" / f"Pulumi.{AWS_STACK}.yaml"


def load_with_aws_stack() -> LoadResult:
    files = read_repository_files(REPOSITORY_ROOT)
    files[AWS_STACK_FILE.name] = AWS_STACK_FILE.read_bytes()
    return load_files(files)


def aws_stack_settings() -> StackSettings:
    result = load_with_aws_stack()
    (stack,) = [s for s in result.stacks if s.name == AWS_STACK]
    settings = settings_of(stack, AWS_STACK_FILE.read_bytes())
    assert settings.findings == (), settings.findings
    assert settings.settings is not None
    return settings.settings


def aws_sample_plan(at: datetime) -> EnvironmentPlan:
    result = load_with_aws_stack()
    assert result.catalog is not None, result.findings
    settings = aws_stack_settings()
    return plan_environment(result.catalog.for_environment(settings.environment), settings, at)
