"""The sample organisation the tests plan, deploy under mocks and police: a copy of the samples this
repository ships, kept in tests/fixtures/sample-organisation/ so that editing a shipped sample
breaks only tests/test_shipped_samples.py. It has three accounts (mcp-project-service,
mcp-reporting-service, mcp-vscode-client) and three stacks (dev creates its authorization server,
staging and prod use existing ones).

The AWS-backed stack (tests/fixtures/aws-stack/Pulumi.prod-aws.yaml) is loaded together with it,
as if it were a fourth stack of that organisation."""

from __future__ import annotations

from datetime import UTC, datetime

from svcaccounts.core.plan import EnvironmentPlan, plan_environment
from svcaccounts.core.settings import StackSettings
from svcaccounts.definitions import LoadResult, load_files, load_repository
from svcaccounts.definitions.loader import read_repository_files
from svcaccounts.definitions.stack_settings import settings_of
from tests.support.repository import AWS_STACK_DIR, FIXTURES

SAMPLE_ORGANISATION = FIXTURES / "sample-organisation"
AWS_STACK = "prod-aws"
AWS_STACK_FILE = AWS_STACK_DIR / f"Pulumi.{AWS_STACK}.yaml"
# The instant the sample plans are computed at, unless a test says otherwise.
AT = datetime(2025, 6, 15, 12, tzinfo=UTC)


def sample_plan(stack: str, at: datetime = AT) -> EnvironmentPlan:
    """The plan of one of the sample organisation's stacks (dev, staging, prod) at `at`."""
    result = load_repository(SAMPLE_ORGANISATION)
    assert result.catalog is not None, result.findings
    (found,) = [s for s in result.stacks if s.name == stack]
    settings = settings_of(found).settings
    assert settings is not None
    return plan_environment(result.catalog.for_environment(settings.environment), settings, at)


def load_with_aws_stack() -> LoadResult:
    files = read_repository_files(SAMPLE_ORGANISATION)
    files[AWS_STACK_FILE.name] = AWS_STACK_FILE.read_bytes()
    return load_files(files)


def aws_stack_settings() -> StackSettings:
    result = load_with_aws_stack()
    (stack,) = [s for s in result.stacks if s.name == AWS_STACK]
    settings = settings_of(stack)
    assert settings.findings == (), settings.findings
    assert settings.settings is not None
    return settings.settings


def aws_sample_plan(at: datetime) -> EnvironmentPlan:
    result = load_with_aws_stack()
    assert result.catalog is not None, result.findings
    settings = aws_stack_settings()
    return plan_environment(result.catalog.for_environment(settings.environment), settings, at)
