"""What svcaccounts keeps of Okta's management API answers: small frozen records, read strictly.

Pure (no HTTP): the reader (svcaccounts/okta_api/) fetches, these read; the analyses of
adoption and preflight take the records. They live in the core so that those analyses need
nothing from the reading layer.

Only the fields the commands use are kept; everything else Okta sends (links, profiles, settings
of other app types) is dropped at once, so nothing downstream can show it by accident. A field
that is required here and missing or of the wrong type is an OktaRecordError naming the item and
the field (never its value); a field Okta may add tomorrow is ignored.

A record that cannot be read raises OktaRecordError; the reader turns it into its OktaApiError.

The shapes follow Okta's published management API description (the `Application` /
`OpenIdConnectApplication`, `OAuth2Scope`, `AuthorizationServerPolicy`,
`AuthorizationServerPolicyRule` and `OAuth2ClientJsonSigningKeyResponse` schemas); the tests'
Okta server validates every body it sends against that description.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any


class OktaRecordError(ValueError):
    """An answer's item lacks a field the commands need, or has it in the wrong type; the
    message names the item and the field, never the value."""


# A policy's client list names this instead of client ids when it applies to every client.
ALL_CLIENTS = "ALL_CLIENTS"
# A rule's scope list names this when it grants every scope the server has.
ALL_SCOPES = "*"
OPENID_CONNECT = "OPENID_CONNECT"
SERVICE_APP_TYPE = "service"
CLIENT_CREDENTIALS = "client_credentials"
# The members of a public JWK, by key type (RFC 7518 section 6); nothing else is kept.
PUBLIC_KEY_MEMBERS: Mapping[str, tuple[str, ...]] = {"RSA": ("n", "e"), "EC": ("crv", "x", "y")}


class _Item:
    """One JSON object of an answer, with the place it came from for messages."""

    def __init__(self, value: object, where: str) -> None:
        if not isinstance(value, dict):
            raise OktaRecordError(f"{where}: expected an object")
        self.value: dict[str, Any] = value
        self.where = where

    def _get(self, path: str) -> object:
        current: object = self.value
        for part in path.split("."):
            if not isinstance(current, dict):
                return None
            current = current.get(part)
        return current

    def string(self, path: str) -> str:
        value = self._get(path)
        if not isinstance(value, str) or not value:
            raise OktaRecordError(f"{self.where}: {path}: expected a non-empty string")
        return value

    def optional_string(self, path: str) -> str | None:
        value = self._get(path)
        if value is None:
            return None
        if not isinstance(value, str):
            raise OktaRecordError(f"{self.where}: {path}: expected a string")
        return value

    def strings(self, path: str) -> tuple[str, ...]:
        value = self._get(path)
        if value is None:
            return ()
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            raise OktaRecordError(f"{self.where}: {path}: expected a list of strings")
        return tuple(value)

    def flag(self, path: str) -> bool:
        value = self._get(path)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise OktaRecordError(f"{self.where}: {path}: expected true or false")
        return value

    def optional_integer(self, path: str) -> int | None:
        value = self._get(path)
        if value is None:
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            raise OktaRecordError(f"{self.where}: {path}: expected a whole number")
        return value


@dataclass(frozen=True, slots=True)
class OktaApp:
    """An application; the OAuth fields are None/empty for apps that are not OAuth clients."""

    id: str
    label: str
    status: str  # ACTIVE, INACTIVE
    sign_on_mode: str
    created: str | None
    client_id: str | None
    application_type: str | None  # service, web, native, browser
    grant_types: tuple[str, ...]
    token_endpoint_auth_method: str | None

    @property
    def is_service_app(self) -> bool:
        """An OAuth service app: what a client-credentials service account is in Okta."""
        return self.sign_on_mode == OPENID_CONNECT and self.application_type == SERVICE_APP_TYPE

    @classmethod
    def read(cls, value: object, where: str) -> OktaApp:
        item = _Item(value, where)
        sign_on_mode = item.string("signOnMode")
        oauth = sign_on_mode == OPENID_CONNECT
        return cls(
            id=item.string("id"),
            label=item.string("label"),
            status=item.string("status"),
            sign_on_mode=sign_on_mode,
            created=item.optional_string("created"),
            client_id=item.optional_string("credentials.oauthClient.client_id") if oauth else None,
            application_type=item.optional_string("settings.oauthClient.application_type") if oauth else None,
            grant_types=item.strings("settings.oauthClient.grant_types") if oauth else (),
            token_endpoint_auth_method=(
                item.optional_string("credentials.oauthClient.token_endpoint_auth_method") if oauth else None
            ),
        )


@dataclass(frozen=True, slots=True)
class AuthorizationServer:
    id: str
    name: str
    status: str
    audiences: tuple[str, ...]
    issuer: str | None

    @classmethod
    def read(cls, value: object, where: str) -> AuthorizationServer:
        item = _Item(value, where)
        return cls(
            id=item.string("id"),
            name=item.string("name"),
            status=item.optional_string("status") or "ACTIVE",
            audiences=item.strings("audiences"),
            issuer=item.optional_string("issuer"),
        )


@dataclass(frozen=True, slots=True)
class Scope:
    """A scope of a custom authorization server."""

    id: str
    name: str
    description: str | None
    system: bool
    # A default scope is granted to a client that asks for no scope at all.
    default: bool

    @classmethod
    def read(cls, value: object, where: str) -> Scope:
        item = _Item(value, where)
        return cls(
            id=item.string("id"),
            name=item.string("name"),
            description=item.optional_string("description"),
            system=item.flag("system"),
            default=item.flag("default"),
        )


@dataclass(frozen=True, slots=True)
class AccessPolicy:
    """An access policy of a custom authorization server, and the clients it applies to."""

    id: str
    name: str
    status: str
    priority: int | None
    system: bool
    clients: tuple[str, ...]  # client ids, or ALL_CLIENTS

    @property
    def all_clients(self) -> bool:
        return ALL_CLIENTS in self.clients

    @classmethod
    def read(cls, value: object, where: str) -> AccessPolicy:
        item = _Item(value, where)
        return cls(
            id=item.string("id"),
            name=item.string("name"),
            status=item.string("status"),
            priority=item.optional_integer("priority"),
            system=item.flag("system"),
            clients=item.strings("conditions.clients.include"),
        )


@dataclass(frozen=True, slots=True)
class PolicyRule:
    """A rule of an access policy: which grant types it allows and which scopes it grants."""

    id: str
    name: str
    status: str
    priority: int | None
    grant_types: tuple[str, ...]
    scopes: tuple[str, ...]  # scope names, or ALL_SCOPES
    access_token_lifetime_minutes: int | None

    @property
    def grants_all_scopes(self) -> bool:
        return ALL_SCOPES in self.scopes

    @classmethod
    def read(cls, value: object, where: str) -> PolicyRule:
        item = _Item(value, where)
        return cls(
            id=item.string("id"),
            name=item.string("name"),
            status=item.string("status"),
            priority=item.optional_integer("priority"),
            grant_types=item.strings("conditions.grantTypes.include"),
            scopes=item.strings("conditions.scopes.include"),
            access_token_lifetime_minutes=item.optional_integer("actions.token.accessTokenLifetimeMinutes"),
        )


@dataclass(frozen=True, slots=True)
class PublicKey:
    """A key of an app's JWKS: its public members only (a JWKS never holds private ones, and
    anything else it might carry is dropped)."""

    id: str | None
    kid: str | None
    status: str  # ACTIVE, INACTIVE
    members: Mapping[str, str]  # kty, the type's public members, and alg/use when given

    def as_jwk(self) -> dict[str, str]:
        return dict(self.members)

    @classmethod
    def read(cls, value: object, where: str) -> PublicKey:
        item = _Item(value, where)
        key_type = item.string("kty")
        names = PUBLIC_KEY_MEMBERS.get(key_type)
        if names is None:
            raise OktaRecordError(f"{where}: kty: expected one of {', '.join(PUBLIC_KEY_MEMBERS)}")
        members = {"kty": key_type} | {name: item.string(name) for name in names}
        kid = item.optional_string("kid")
        if kid is not None:
            members["kid"] = kid
        for optional in ("alg", "use"):
            found = item.optional_string(optional)
            if found is not None:
                members[optional] = found
        return cls(
            id=item.optional_string("id"),
            kid=kid,
            status=item.optional_string("status") or "ACTIVE",
            members=MappingProxyType(members),
        )
