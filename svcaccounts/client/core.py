"""What the sync and async token clients share: options, the cache, the breaker, and the rules for
what to hand out when a token cannot be renewed. No I/O here."""

from __future__ import annotations

import logging
import math
import random as random_module
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

from svcaccounts.client.aws_secrets import AwsSecretsManagerSource
from svcaccounts.client.bundle import CredentialBundle
from svcaccounts.client.environment import source_from_environment
from svcaccounts.client.errors import CircuitOpenError, TokenClientError
from svcaccounts.client.flow import Flow, fetch_token, outcome_of
from svcaccounts.client.keyvault import KeyVaultSource
from svcaccounts.client.policy import CircuitBreaker, RetryPolicy, RotationWait
from svcaccounts.client.sources import DEFAULT_ENV_VARIABLE, BundleSource, EnvSource, FileSource
from svcaccounts.client.telemetry import (
    BreakerChange,
    CacheLookup,
    Outcome,
    Telemetry,
    TokenEvent,
    emit,
)
from svcaccounts.client.token import AccessToken, CachedToken, scope_key
from svcaccounts.client.transport import (
    DEFAULT_DEADLINE_SECONDS,
    DEFAULT_TIMEOUT_SECONDS,
    Rejected,
    Result,
    Unavailable,
)

if TYPE_CHECKING:
    from azure.core.credentials import TokenCredential

log = logging.getLogger("svcaccounts.client")

# A token response without expires_in (RFC 6749 only RECOMMENDS it) is treated as this short-lived.
DEFAULT_TOKEN_LIFETIME = timedelta(minutes=5)
# After a failed renewal that served the cached token, callers get that token without another
# attempt for this long, so that a rejected credential or a struggling server is not asked again
# on every call.
DEFAULT_RENEWAL_RETRY_INTERVAL = timedelta(seconds=10)
DEFAULT_ROTATION_WAIT = RotationWait()


def utc_now() -> datetime:
    return datetime.now(UTC)



def requested_scopes(scopes: Iterable[str] | None) -> tuple[str, ...] | None:
    """The scopes a caller asks for, each once and in order; None for the bundle's own."""
    if scopes is None:
        return None
    if isinstance(scopes, str):
        # A bare string would be taken letter by letter.
        raise TypeError("scopes must be a collection of scope names, not a string")
    requested = tuple(dict.fromkeys(scopes))
    if not requested:
        raise ValueError("scopes must name at least one scope (or be None for the bundle's)")
    return requested

class TokenClientCore:
    def __init__(
        self,
        source: BundleSource,
        *,
        retry: RetryPolicy | None = None,
        breaker: CircuitBreaker | None = None,
        telemetry: Telemetry | None = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        deadline: float = DEFAULT_DEADLINE_SECONDS,
        clock: Callable[[], datetime] = utc_now,
        monotonic: Callable[[], float] = time.monotonic,
        random: Callable[[], float] = random_module.random,
        default_lifetime: timedelta = DEFAULT_TOKEN_LIFETIME,
        renewal_retry_interval: timedelta = DEFAULT_RENEWAL_RETRY_INTERVAL,
        rotation_wait: RotationWait | None = DEFAULT_ROTATION_WAIT,
    ) -> None:
        self.source = source
        self.retry = retry or RetryPolicy()
        self.breaker = breaker or CircuitBreaker()
        self.telemetry = telemetry
        if isinstance(deadline, bool) or not isinstance(deadline, int | float) or not 0 < deadline < math.inf:
            raise ValueError("deadline must be a positive, finite number of seconds")
        self.timeout = timeout
        self.deadline = float(deadline)
        self.clock = clock
        self.monotonic = monotonic
        self.random = random
        self.default_lifetime = default_lifetime
        self.renewal_retry_interval = renewal_retry_interval
        self.rotation_wait = rotation_wait
        self._bundle: CredentialBundle | None = None
        # A bundle the server still rejected when it was allowed a rotation wait (waited out, or
        # a changed bundle rejected too): a rotation window lasts minutes, so that credential is
        # wrong, and later callers get the error without waiting again until the bundle changes.
        self._rejected_bundle: CredentialBundle | None = None
        self._cache: dict[frozenset[str], CachedToken] = {}
        # Writers of the cache check what it holds before they change it (invalidate, _fallback):
        # without the lock a token stored meanwhile by another thread could be dropped or overwritten.
        self._cache_lock = threading.Lock()
        self.breaker.add_listener(self._breaker_changed)

    # Constructors from each kind of bundle location, shared by the sync and async clients.
    @classmethod
    def from_file(cls, path: str | Path, **options: Any) -> Self:
        return cls(FileSource(Path(path)), **options)

    @classmethod
    def from_env(cls, variable: str = DEFAULT_ENV_VARIABLE, **options: Any) -> Self:
        """The bundle's JSON in an environment variable. No rotation wait unless asked for: only
        this process could change the variable while it waits."""
        options.setdefault("rotation_wait", None)
        return cls(EnvSource(variable), **options)

    @classmethod
    def from_environment(
        cls,
        environ: Mapping[str, str] | None = None,
        *,
        credential: TokenCredential | None = None,
        **options: Any,
    ) -> Self:
        """The bundle named by SVCACCOUNTS_BUNDLE_FILE, or by SVCACCOUNTS_KEY_VAULT_URL and
        SVCACCOUNTS_KEY_VAULT_SECRET (what `svcaccounts env` prints). Raises BundleSourceError
        at once when the variables do not name exactly one location."""
        return cls(source_from_environment(environ, credential=credential), **options)

    @classmethod
    def from_key_vault(
        cls,
        vault_url: str,
        secret_name: str,
        *,
        credential: TokenCredential | None = None,
        **options: Any,
    ) -> Self:
        return cls(KeyVaultSource(vault_url, secret_name, credential=credential), **options)

    @classmethod
    def from_aws_secrets_manager(
        cls,
        secret_id: str,
        region: str | None = None,
        *,
        endpoint_url: str | None = None,
        **options: Any,
    ) -> Self:
        """The bundle in an AWS Secrets Manager secret (name or ARN), read with boto3's default
        credential chain; each re-read takes the version labelled AWSCURRENT."""
        return cls(AwsSecretsManagerSource(secret_id, region, endpoint_url=endpoint_url), **options)

    def __repr__(self) -> str:
        client_id = self._bundle.client_id if self._bundle else "not loaded"
        return f"{type(self).__name__}(source={str(self.source)!r}, client_id={client_id!r})"

    def invalidate(self, token: AccessToken) -> bool:
        """Forget `token` if the cache still holds it, so that the next `token()` for its scope set
        requests a new one: for when an API refused it (HTTP 401: revoked, or signed with a key the
        API no longer trusts). A token that is no longer cached (already replaced) is left alone,
        so that many callers refused the same token cause one token request, not one each.
        Returns whether the token was dropped."""
        with self._cache_lock:
            for key, entry in self._cache.items():
                if entry.token == token:
                    del self._cache[key]
                    return True
        return False

    def _requested(self, bundle: CredentialBundle, scopes: Iterable[str] | None) -> tuple[str, ...]:
        requested = requested_scopes(scopes)
        return bundle.scopes if requested is None else requested

    def _fresh(self, key: frozenset[str]) -> AccessToken | None:
        entry = self._cache.get(key)
        return entry.token if entry is not None and entry.fresh(self.clock()) else None

    def _usable(self, key: frozenset[str]) -> AccessToken | None:
        entry = self._cache.get(key)
        return entry.token if entry is not None and entry.usable(self.clock()) else None

    def _cache_hit(self, token: AccessToken) -> AccessToken:
        emit(self.telemetry, CacheLookup(self._client_id(), hit=True))
        return token

    def _cache_miss(self) -> None:
        emit(self.telemetry, CacheLookup(self._client_id(), hit=False))

    def _breaker_changed(self, opened: bool) -> None:
        emit(self.telemetry, BreakerChange(self._client_id(), open=opened))

    def _rotation_wait_for(self, bundle: CredentialBundle, key: frozenset[str]) -> RotationWait | None:
        """Wait for a rotated bundle only when there is nothing better to do: a caller with an
        unexpired cached token is served that instead, and a bundle that already outlasted one
        wait is not waited for again."""
        if self._usable(key) is not None or bundle == self._rejected_bundle:
            return None
        return self.rotation_wait

    def _flow(
        self, bundle: CredentialBundle, scopes: tuple[str, ...], rotation_wait: RotationWait | None
    ) -> Flow:
        return fetch_token(
            bundle,
            scopes,
            retry=self.retry,
            clock=self.clock,
            random=self.random,
            source_name=str(self.source),
            default_lifetime=self.default_lifetime,
            rotation_wait=rotation_wait,
            deadline=self.deadline,
            monotonic=self.monotonic,
        )

    def _rejected_after_wait(self, rotation_wait: RotationWait | None) -> None:
        """After an InvalidClientError: remember the bundle if it was allowed a rotation wait."""
        if rotation_wait is not None:
            self._rejected_bundle = self._bundle

    def _store(self, key: frozenset[str], entry: CachedToken) -> AccessToken:
        with self._cache_lock:
            self._cache[key] = entry
        log.info(
            "obtained token for client %s scopes %s, expires %s",
            self._client_id(),
            " ".join(sorted(key)),
            entry.token.expires_at.isoformat(),
        )
        return entry.token

    def _fallback(self, key: frozenset[str], error: TokenClientError) -> AccessToken:
        """After a failed renewal: the cached token if it has not expired, else the error."""
        now = self.clock()
        with self._cache_lock:
            entry = self._cache.get(key)
            if entry is None or not entry.usable(now):
                raise error
            # Never past expiry: `fresh` stays strictly before `expires_at`.
            retry_at = min(now + self.renewal_retry_interval, entry.token.expires_at)
            self._cache[key] = CachedToken(entry.token, retry_at)
        log.warning(
            "renewal failed for client %s scopes %s (%s); serving the cached token, which "
            "expires %s; next renewal attempt after %s",
            self._client_id(),
            " ".join(sorted(key)),
            type(error).__name__,
            entry.token.expires_at.isoformat(),
            retry_at.isoformat(),
        )
        return entry.token

    def _unexpected(self, bundle: CredentialBundle, error: Exception) -> TokenClientError:
        """A renewal that raised something other than a TokenClientError (a bundle source of the
        caller's own, a bug): still a failed renewal, so the cached token is served as for any
        other failure. Only the exception's type is named; its text may quote what it was given."""
        log.warning(
            "token request for client %s failed with %s; treated as a failed renewal",
            bundle.client_id,
            type(error).__name__,
        )
        failure = TokenClientError(
            f"token request for client {bundle.client_id} at {bundle.token_url} failed "
            f"unexpectedly ({type(error).__name__})"
        )
        failure.__suppress_context__ = True
        return failure

    def _circuit_open(self, bundle: CredentialBundle, key: frozenset[str]) -> CircuitOpenError:
        self._emit(bundle, tuple(sorted(key)), "circuit_open", 0.0, 0, None)
        until = self.breaker.open_until
        when = f"; next attempt after {until.isoformat()}" if until else ""
        return CircuitOpenError(
            f"token endpoint {bundle.token_url} unavailable for client {bundle.client_id}: "
            f"circuit open after {self.breaker.consecutive_failures} consecutive failed "
            f"requests{when}; no unexpired cached token for scopes {' '.join(sorted(key))}"
        )

    def _record(
        self,
        bundle: CredentialBundle,
        scopes: tuple[str, ...],
        attempt: int,
        result: Result,
        latency: float,
    ) -> None:
        outcome = outcome_of(result)
        status = result.status_code if isinstance(result, Rejected | Unavailable) else 200
        level = logging.DEBUG if outcome == "success" else logging.WARNING
        log.log(
            level,
            "token request client=%s scopes=%s attempt=%d outcome=%s status=%s latency=%.3fs",
            bundle.client_id,
            " ".join(scopes),
            attempt,
            outcome,
            status,
            latency,
        )
        self._emit(bundle, scopes, outcome, latency, attempt, status)

    def _emit(
        self,
        bundle: CredentialBundle,
        scopes: tuple[str, ...],
        outcome: Outcome,
        latency: float,
        attempt: int,
        status: int | None,
    ) -> None:
        emit(
            self.telemetry,
            TokenEvent(
                client_id=bundle.client_id,
                scopes=scopes,
                outcome=outcome,
                latency_seconds=latency,
                attempt=attempt,
                status_code=status,
                bundle_scopes=bundle.scopes,
            ),
        )

    def _client_id(self) -> str:
        return self._bundle.client_id if self._bundle else "?"


__all__ = ["DEFAULT_TOKEN_LIFETIME", "TokenClientCore", "scope_key", "utc_now"]
