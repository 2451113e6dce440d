"""The stack's `accounts` output: what the Pulumi program exports for each account (nothing
secret), and what `rotation status --deployed` and `env --deployed` read back from
`pulumi stack output --json`. Schema: svcaccounts/schemas/accounts-output.schema.json.

    {"accounts": {"<account>": {"clientId", "keyVaultSecretName" | "awsSecretArn", "tokenUrl",
                                "scopes": [...], "authMethod", "generation": int,
                                "nextRotation": ISO 8601 UTC, "status": "active" | "disabled",
                                "clientIds": [...]}}}

`clientIds` (every live client id of the account, newest first) is written where a rotation
creates a new client (Amazon Cognito: a client per generation, two inside grace); elsewhere the
one `clientId` is the account's only client. A disabled account on Cognito has no client: its
entry has neither `clientId` nor a bundle location, and `clientIds` is empty. `client_accounts`
maps every client id of a document to its account (usage reports, audit logs).

`account_entry` is the one writer of an entry (the program passes Outputs where the deploy knows
the value); `parse_deployed` and `deployed_account` are the one reader, `read_deployed` the same
from text. Every field present is checked, and every problem is reported at once.

The reader takes more than the writer writes, for hand-written and older documents: an entry
needs only `generation`; `accounts` may be a list of objects that carry a `name`; `next_rotation`
stands for `nextRotation`. Unknown keys are ignored. The schema describes what the program writes.

Messages keep the words each reader gave them before the two were one (users' scripts and tests
match them): the deployment fields read "`accounts`.<name>.generation must be ...", the token
settings "accounts.<name>.clientId: expected ...".
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from svcaccounts.core.clock import LATEST_YEAR
from svcaccounts.core.contracts.values import CLIENT_ID_PATTERN, cut, json_type, printable, token_url_problem
from svcaccounts.core.model import AUTH_METHODS, AuthMethod
from svcaccounts.core.naming import KEY_VAULT_NAME_MAX
from svcaccounts.core.rotation import iso_utc

SCHEMA = "accounts-output.schema.json"
OUTPUT = "accounts"

CLIENT_ID = "clientId"
CLIENT_IDS = "clientIds"
KEY_VAULT_SECRET_NAME = "keyVaultSecretName"
AWS_SECRET_ARN = "awsSecretArn"
TOKEN_URL = "tokenUrl"
SCOPES = "scopes"
AUTH_METHOD = "authMethod"
GENERATION = "generation"
NEXT_ROTATION = "nextRotation"
STATUS = "status"
# The list form of `accounts` names each entry; older documents spell nextRotation in snake_case.
NAME = "name"
NEXT_ROTATION_SNAKE = "next_rotation"

# Where the account's bundle lives: exactly one, as the stack's secret store says.
LOCATION_FIELDS = (KEY_VAULT_SECRET_NAME, AWS_SECRET_ARN)
TOKEN_SETTINGS_FIELDS = (CLIENT_ID, TOKEN_URL, AUTH_METHOD, SCOPES)
STATUSES = ("active", "disabled")
# What `pulumi stack output --json` prints in place of a secret value without --show-secrets.
SECRET_PLACEHOLDER = "[secret]"

# A scope name: printable ASCII without spaces (RFC 6749 section 3.3 scope-token, minus '"' and '\\').
SCOPE_PATTERN = re.compile(r"[!#-\[\]-~]{1,200}")
KEY_VAULT_SECRET_NAME_PATTERN = re.compile(rf"[0-9A-Za-z-]{{1,{KEY_VAULT_NAME_MAX}}}")
# arn:<partition>:secretsmanager:<region>:<account id>:secret:<name>-<6 characters Secrets Manager adds>
AWS_SECRET_ARN_PATTERN = re.compile(
    r"arn:aws(-[a-z]+)*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:"
    r"(?P<name>[A-Za-z0-9/_+=.@-]{1,512})-[A-Za-z0-9]{6}"
)

V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class TokenSettings:
    """How a consumer obtains tokens for the account (all four fields, checked)."""

    client_id: str
    token_url: str
    auth_method: AuthMethod
    scopes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DeployedAccount:
    """One account of the `accounts` output, as far as the entry says."""

    name: str
    generation: int
    # When the deployed credential is due to rotate (its bundle's `rotates_at`), if exported.
    next_rotation: datetime | None = None
    # None unless the entry carries clientId, tokenUrl, authMethod and scopes.
    token_settings: TokenSettings | None = None
    key_vault_secret_name: str | None = None
    aws_secret_arn: str | None = None
    # The secret's name in the ARN (without the suffix Secrets Manager adds).
    aws_secret_name: str | None = None
    status: str | None = None
    # Every live client id, newest first: `clientIds`, else the one `clientId`, else none.
    client_ids: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # The one client of the token settings is a live client id too, however the account was
        # made: every reader of client_ids (usage, client_accounts) then needs no fallback.
        if not self.client_ids and self.token_settings is not None:
            object.__setattr__(self, "client_ids", (self.token_settings.client_id,))


class DeployedError(ValueError):
    """A stack-outputs document this reader cannot use; `problems` says what to fix."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = tuple(problems)
        if len(self.problems) == 1:
            super().__init__(self.problems[0])
        else:
            super().__init__("unexpected deployed outputs:" + "".join(f"\n  - {p}" for p in self.problems))


def account_entry(
    *,
    client_id: V | None,
    token_url: V,
    bundle_location: Mapping[str, V],
    scopes: Sequence[str],
    auth_method: AuthMethod,
    generation: int,
    next_rotation: datetime,
    status: str,
    client_ids: V | None = None,
) -> dict[str, V | str | int | list[str]]:
    """One account's entry. The values typed V may be what only the deploy knows (a Pulumi
    Output: the app's client id, the token URL of a new server, the AWS secret's ARN).
    `bundle_location` is {keyVaultSecretName: ...} or {awsSecretArn: ...}; `client_ids` (every
    live client id, a list) where each generation is a client of its own. Only a disabled
    account of such a provider has no client: no client_id and no bundle location."""
    clientless = client_id is None and not bundle_location
    if clientless and (status != "disabled" or client_ids is None):
        raise ValueError("only a disabled account whose clients are listed in client_ids has no client")
    if not clientless and (len(bundle_location) != 1 or not set(bundle_location) <= set(LOCATION_FIELDS)):
        raise ValueError(
            f"a bundle location is one of {', '.join(LOCATION_FIELDS)}, not {sorted(bundle_location)}"
        )
    if status not in STATUSES:
        raise ValueError(f"an account's status is one of {', '.join(STATUSES)}, not {status!r}")
    return {
        **({} if client_id is None else {CLIENT_ID: client_id}),
        **bundle_location,
        TOKEN_URL: token_url,
        SCOPES: list(scopes),
        AUTH_METHOD: auth_method,
        GENERATION: generation,
        NEXT_ROTATION: iso_utc(next_rotation),
        STATUS: status,
        **({} if client_ids is None else {CLIENT_IDS: client_ids}),
    }


def client_accounts(deployed: Mapping[str, DeployedAccount]) -> dict[str, str]:
    """Every live client id of `deployed` (parse_deployed's result) → its account's name."""
    return {client_id: account.name for account in deployed.values() for client_id in account.client_ids}


def parse_deployed(document: object, *, token_settings_required: bool = False) -> dict[str, DeployedAccount]:
    """Every account of the `accounts` output in `document` (the decoded JSON of
    `pulumi stack output --json`), by name; DeployedError lists every problem."""
    problems: list[str] = []
    entries = _entries(document, problems)
    deployed: dict[str, DeployedAccount] = {}
    for name, at, value in entries:
        account = _account(name, at, value, token_settings_required, problems)
        if account is not None:
            deployed[name] = account
    if problems:
        raise DeployedError(problems)
    return deployed


def deployed_account(
    document: object, name: str, *, token_settings_required: bool = False
) -> DeployedAccount:
    """The account `name` of the `accounts` output; only its own entry is checked."""
    problems: list[str] = []
    entries = _entries(document, problems)
    if problems:
        raise DeployedError(problems)
    found = next(((at, value) for entry_name, at, value in entries if entry_name == name), None)
    if found is None:
        known = ", ".join(sorted(printable(entry_name) for entry_name, _, _ in entries)) or "none"
        raise DeployedError([f"no account {name!r} in the '{OUTPUT}' output (deployed: {known})"])
    account = _account(name, *found, token_settings_required, problems)
    if account is None:
        raise DeployedError(problems)
    return account


def read_deployed(text: str | bytes) -> dict[str, DeployedAccount]:
    """`parse_deployed` of a JSON text; every failure is a DeployedError."""
    hint = "write it with `pulumi stack output --json`"
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise DeployedError(
            [f"not JSON (line {error.lineno}, column {error.colno}: {error.msg}); {hint}"]
        ) from None
    except RecursionError:
        raise DeployedError([f"not valid JSON: nested too deeply; {hint}"]) from None
    except UnicodeDecodeError:
        raise DeployedError([f"not UTF-8 text; {hint}"]) from None
    except ValueError:
        # Python refuses integers of more than 4300 digits (int_max_str_digits).
        raise DeployedError([f"not valid JSON: a number is too long; {hint}"]) from None
    return parse_deployed(document)


def _shown(value: object) -> str:
    """A value from the document for a message, cut so that a stray blob cannot flood it."""
    return cut(repr(value))


def _secret(where: str) -> str:
    return (
        f"{where} is a secret in the stack outputs; the program must export it as plain data "
        "(it holds nothing secret)"
    )


def _entries(document: object, problems: list[str]) -> list[tuple[str, str, object]]:
    """(name, where in `accounts`, entry) of every account; raises when there is no `accounts`
    to read, records the problems of a list's items."""
    if not isinstance(document, dict):
        raise DeployedError([f"the stack outputs must be a JSON object, not {type(document).__name__}"])
    if OUTPUT not in document:
        known = ", ".join(sorted(printable(key) for key in document)) or "none"
        raise DeployedError(
            [
                f"the stack outputs have no `{OUTPUT}` output (outputs: {known}); "
                "is this the right stack, and was it deployed?"
            ]
        )
    accounts = document[OUTPUT]
    if accounts == SECRET_PLACEHOLDER:
        raise DeployedError([_secret(f"`{OUTPUT}`")])
    if isinstance(accounts, dict):
        return [(name, f".{printable(name)}", value) for name, value in accounts.items()]
    if not isinstance(accounts, list):
        raise DeployedError(
            [f"the '{OUTPUT}' output must be an object keyed by account name, not {json_type(accounts)}"]
        )
    entries: list[tuple[str, str, object]] = []
    first_at: dict[str, int] = {}
    for index, item in enumerate(accounts):
        where = f"`{OUTPUT}`[{index}]"
        if item == SECRET_PLACEHOLDER:
            problems.append(_secret(where))
            continue
        if not isinstance(item, dict):
            problems.append(
                f"item {index} of the '{OUTPUT}' list must be an object with the account's name, "
                f"not {json_type(item)}"
            )
            continue
        name = item.get(NAME)
        if not isinstance(name, str) or not name:
            problems.append(f"{where}.name must be the account name")
        elif name in first_at:
            problems.append(f"{where}.name {printable(name)!r} is already `{OUTPUT}`[{first_at[name]}]")
        else:
            first_at[name] = index
            entries.append((name, f"[{index}]", item))
    return entries


def _account(
    name: str, at: str, value: object, token_settings_required: bool, problems: list[str]
) -> DeployedAccount | None:
    """The entry at `accounts<at>`, or None with its problems recorded."""
    where = f"`{OUTPUT}`{at}"
    if value == SECRET_PLACEHOLDER:
        problems.append(_secret(where))
        return None
    if not isinstance(value, dict):
        problems.append(f"{where} must be a JSON object, not {json_type(value)}")
        return None
    before = len(problems)
    generation = value.get(GENERATION)
    # bool is an int in Python; a generation never is.
    if not isinstance(generation, int) or isinstance(generation, bool) or generation < 1:
        problems.append(f"{where}.{GENERATION} must be a positive integer, not {_shown(generation)}")
    next_rotation = value.get(NEXT_ROTATION, value.get(NEXT_ROTATION_SNAKE))
    rotates = None if next_rotation is None else _instant(next_rotation, where, problems)
    located = f"{OUTPUT}{at}"
    token_settings = _token_settings(value, located, token_settings_required, problems)
    key_vault_secret_name = _key_vault_secret_name(value, located, problems)
    aws_secret_arn, aws_secret_name = _aws_secret(value, located, problems)
    if all(value.get(key) is not None for key in LOCATION_FIELDS):
        problems.append(
            f"{located}: both {' and '.join(LOCATION_FIELDS)}; a stack keeps its bundles in one store"
        )
    status = value.get(STATUS)
    if status is not None and status not in STATUSES:
        problems.append(f"{located}.{STATUS}: expected {' or '.join(STATUSES)}")
    client_ids = _client_ids(value, located, problems)
    if len(problems) > before:
        return None
    assert isinstance(generation, int)
    return DeployedAccount(
        name=name,
        generation=generation,
        next_rotation=rotates,
        token_settings=token_settings,
        key_vault_secret_name=key_vault_secret_name,
        aws_secret_arn=aws_secret_arn,
        aws_secret_name=aws_secret_name,
        status=None if status is None else str(status),
        client_ids=client_ids,
    )


def _client_ids(entry: Mapping[str, object], located: str, problems: list[str]) -> tuple[str, ...]:
    """`clientIds` when present (checked like clientId, the newest first and clientId among
    them), else the one clientId (a well-formed one; _token_settings reports the others)."""
    if CLIENT_IDS not in entry:
        client_id = entry.get(CLIENT_ID)
        valid = isinstance(client_id, str) and CLIENT_ID_PATTERN.fullmatch(client_id)
        return (client_id,) if valid and isinstance(client_id, str) else ()
    value = entry[CLIENT_IDS]
    if not (
        isinstance(value, list)
        and all(isinstance(item, str) and CLIENT_ID_PATTERN.fullmatch(item) for item in value)
        and len(set(value)) == len(value)
    ):
        problems.append(f"{located}.{CLIENT_IDS}: expected a list of distinct client ids")
        return ()
    client_id = entry.get(CLIENT_ID)
    if client_id is not None and (not value or value[0] != client_id):
        problems.append(f"{located}.{CLIENT_IDS}: the first must be {CLIENT_ID}, the newest client")
        return ()
    return tuple(value)


def _instant(value: object, where: str, problems: list[str]) -> datetime | None:
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        parsed = None
    if parsed is None or parsed.utcoffset() != timedelta(0):
        problems.append(
            f"{where}.{NEXT_ROTATION} must be an ISO 8601 UTC time (ending Z or +00:00), not {_shown(value)}"
        )
        return None
    if parsed.year > LATEST_YEAR:
        # Adding a grace period to it would overflow datetime, and no credential rotates that late.
        problems.append(
            f"{where}.{NEXT_ROTATION} {_shown(value)} is implausibly far in the future "
            f"(after year {LATEST_YEAR})"
        )
        return None
    return parsed


def _token_settings(
    entry: Mapping[str, object], located: str, required: bool, problems: list[str]
) -> TokenSettings | None:
    """Checked when present (or required): these values end up in .env files and MCP
    configurations, so a URL with a password in it or a value with a line break is refused."""
    before = len(problems)

    def wanted(key: str) -> bool:
        return required or key in entry

    client_id, token_url, scopes = entry.get(CLIENT_ID), entry.get(TOKEN_URL), entry.get(SCOPES)
    auth_method = next((method for method in AUTH_METHODS if method == entry.get(AUTH_METHOD)), None)
    if wanted(CLIENT_ID) and not (isinstance(client_id, str) and CLIENT_ID_PATTERN.fullmatch(client_id)):
        problems.append(f"{located}.{CLIENT_ID}: expected a client id (letters, digits, '_' and '-')")
    if wanted(TOKEN_URL):
        if not isinstance(token_url, str) or not token_url:
            problems.append(f"{located}.{TOKEN_URL}: expected a string")
        elif url_problem := token_url_problem(token_url):
            problems.append(f"{located}.{TOKEN_URL}: {url_problem}")
    if wanted(AUTH_METHOD) and auth_method is None:
        problems.append(f"{located}.{AUTH_METHOD}: expected one of {', '.join(AUTH_METHODS)}")
    if wanted(SCOPES) and not (
        isinstance(scopes, list)
        and scopes
        and all(isinstance(scope, str) and SCOPE_PATTERN.fullmatch(scope) for scope in scopes)
    ):
        problems.append(f"{located}.{SCOPES}: expected a list of scope names (printable, without spaces)")
    if len(problems) > before or not all(key in entry for key in TOKEN_SETTINGS_FIELDS):
        return None
    assert isinstance(client_id, str) and isinstance(token_url, str) and isinstance(scopes, list)
    assert auth_method is not None
    return TokenSettings(
        client_id=client_id, token_url=token_url, auth_method=auth_method, scopes=tuple(scopes)
    )


def _key_vault_secret_name(entry: Mapping[str, object], located: str, problems: list[str]) -> str | None:
    value = entry.get(KEY_VAULT_SECRET_NAME)
    if value is None:
        return None
    if not isinstance(value, str) or not KEY_VAULT_SECRET_NAME_PATTERN.fullmatch(value):
        problems.append(
            f"{located}.{KEY_VAULT_SECRET_NAME}: expected a Key Vault secret name "
            f"(1 to {KEY_VAULT_NAME_MAX} letters, digits and '-')"
        )
        return None
    return value


def _aws_secret(
    entry: Mapping[str, object], located: str, problems: list[str]
) -> tuple[str | None, str | None]:
    """The secret's ARN and, from it, its name."""
    value = entry.get(AWS_SECRET_ARN)
    if value is None:
        return None, None
    matched = AWS_SECRET_ARN_PATTERN.fullmatch(value) if isinstance(value, str) else None
    if matched is None:
        problems.append(
            f"{located}.{AWS_SECRET_ARN}: expected a Secrets Manager secret ARN "
            "(arn:aws:secretsmanager:<region>:<account id>:secret:<name>-<6 characters>)"
        )
        return None, None
    return matched.group(0), matched.group("name")
