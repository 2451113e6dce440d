from svcaccounts.cli import main

raise SystemExit(main())
