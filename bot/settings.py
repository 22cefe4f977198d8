"""Settings from the environment (and `.env`), validated once at start."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any, Literal, Self
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from bot.logs import mask

TELEGRAM_API = "https://api.telegram.org/bot"
DEFAULT_DATABASE_URL = "sqlite+aiosqlite:///var/rallye.sqlite3"
SUPPORTED_DATABASES = ("sqlite+aiosqlite://", "postgresql+asyncpg://")
HEALTH_PATH = "/healthz"
DASHBOARD_PATH = "/dashboard"
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "© OpenStreetMap contributors"
WEBHOOK_SECRET = re.compile(r"[A-Za-z0-9_-]{1,256}")
"""What Telegram accepts as a webhook's secret_token."""
ALL_INTERFACES = "0.0.0.0"  # noqa: S104 - in a container the port is published from outside
THIS_MACHINE = "127.0.0.1"

UserIds = Annotated[frozenset[int], NoDecode]


class SettingsError(Exception):
    """A wrong setting, explained in one line that names the variable."""


class Settings(BaseSettings):
    """Every setting of the bot; each is an environment variable of the same name in capitals."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", frozen=True
    )

    telegram_bot_token: SecretStr | None = None
    telegram_api_base_url: str = TELEGRAM_API
    database_url: str = DEFAULT_DATABASE_URL
    rally_file: str = "data/stages.yaml"
    """The rally file, or several (comma-separated, or a folder of them): one per event."""
    rally_admins: UserIds = Field(default_factory=frozenset)
    rally_organisers: UserIds = Field(default_factory=frozenset)
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    rally_flood_limit: int = Field(default=30, ge=0, le=100_000)
    """Messages per second for the whole bot (Telegram's limit is 30); 0 lifts the limiter."""
    rally_chat_flood_limit: float = Field(default=1.0, gt=0, le=100_000)
    """Messages per second to one private chat, on average (Telegram's is about 1)."""
    rally_chat_update_burst: int = Field(default=20, ge=1, le=1_000_000)
    """Updates of one chat within 10 s that are each answered; past it, the excess is merged."""
    rally_webhook_url: str = ""
    """The public HTTPS URL Telegram posts updates to; empty means long polling."""
    rally_webhook_secret: SecretStr | None = None
    """Telegram sends it in X-Telegram-Bot-Api-Secret-Token with every update; required above."""
    rally_listen: str = ALL_INTERFACES
    """The address the web server (webhook and /healthz) listens on."""
    rally_port: int = Field(default=8080, ge=0, le=65535)
    """The web server's port, in both modes; 0 picks a free one (logged at start)."""
    rally_health_port: int | None = Field(default=None, ge=0, le=65535)
    """/healthz on a port of its own, and no longer on RALLY_PORT; none: on RALLY_PORT."""
    rally_health_listen: str = THIS_MACHINE
    """The address /healthz's own server listens on (with RALLY_HEALTH_PORT only)."""
    rally_public_url: str = ""
    """The bot's public HTTPS address (behind the reverse proxy): the organisers' dashboard is
    served at its /dashboard; empty: no dashboard."""
    rally_map_tiles: str = OSM_TILES
    """The dashboard map's tile URL template ({z}/{x}/{y}); empty: stages and teams on a plain
    background."""
    rally_map_attribution: str = OSM_ATTRIBUTION
    """Shown on the dashboard map, as the tiles' licence asks."""

    @field_validator("telegram_bot_token", mode="before")
    @classmethod
    def _token_shape(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        text = str(value).strip()
        number, _, secret = text.partition(":")
        if not number.isdigit() or not secret or not all(c.isalnum() or c in "_-" for c in secret):
            raise ValueError("does not look like a bot token from @BotFather (digits:letters)")
        return text

    @field_validator("telegram_api_base_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError(f"'{value}' is not an http(s) URL")
        return value

    @field_validator("database_url")
    @classmethod
    def _supported_database(cls, value: str) -> str:
        shown = mask(value)  # an error never echoes the password
        if not value.startswith(SUPPORTED_DATABASES):
            choices = " or ".join(f"{prefix}..." for prefix in SUPPORTED_DATABASES)
            raise ValueError(f"'{shown}' is not supported: use {choices}")
        # checked without SQLAlchemy: every command reads the settings, most never touch the
        # database, and `validate` must start fast
        try:
            parts = urlsplit(value)
            _ = parts.port  # a bad port fails here
        except ValueError:
            raise ValueError(f"'{shown}' is not a database URL") from None
        if not parts.scheme or (parts.netloc == "" and not parts.path):
            raise ValueError(f"'{shown}' is not a database URL")
        return value

    @field_validator("rally_webhook_url", mode="before")
    @classmethod
    def _https_url(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        text = value.strip()
        if not text:
            return ""
        parts = urlsplit(text)
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError(f"'{text}' is not an https URL (Telegram posts only to HTTPS)")
        if (parts.path or "/") == HEALTH_PATH:
            raise ValueError(f"its path cannot be {HEALTH_PATH}, the health endpoint's")
        if _under(parts.path, DASHBOARD_PATH):
            raise ValueError(f"its path cannot be under {DASHBOARD_PATH}, the dashboard's")
        return text

    @field_validator("rally_public_url", mode="before")
    @classmethod
    def _public_https(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        text = value.strip().rstrip("/")
        if not text:
            return ""
        parts = urlsplit(text)
        if parts.scheme != "https" or not parts.hostname:
            raise ValueError(f"'{text}' is not an https URL (Telegram opens Mini Apps over HTTPS)")
        if parts.query or parts.fragment:
            raise ValueError(f"'{text}' must be an address without '?' or '#'")
        return text

    @field_validator("rally_map_tiles", mode="before")
    @classmethod
    def _tile_template(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        text = value.strip()
        if not text:
            return ""
        if not text.startswith(("https://", "http://")) or not urlsplit(text).hostname:
            raise ValueError(f"'{text}' is not a tile URL (https://host/{{z}}/{{x}}/{{y}}.png)")
        if not all(part in text for part in ("{z}", "{x}", "{y}")):
            raise ValueError(f"'{text}' lacks {{z}}, {{x}} or {{y}}")
        return text

    @field_validator("rally_webhook_secret", mode="before")
    @classmethod
    def _secret_shape(cls, value: Any) -> Any:
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        text = value.get_secret_value() if isinstance(value, SecretStr) else str(value)
        if not WEBHOOK_SECRET.fullmatch(text):
            raise ValueError("must be 1 to 256 characters, each a letter, a digit, _ or -")
        return text

    @model_validator(mode="after")
    def _webhook_needs_a_secret(self) -> Self:
        if self.rally_webhook_url and self.rally_webhook_secret is None:
            raise ValueError(
                "RALLY_WEBHOOK_SECRET: required when RALLY_WEBHOOK_URL is set "
                "(1 to 256 letters, digits, _ or -)"
            )
        return self

    @field_validator("rally_health_port", mode="before")
    @classmethod
    def _blank_is_none(cls, value: Any) -> Any:
        if isinstance(value, str) and not value.strip():
            return None
        return value

    @field_validator("rally_health_listen", mode="before")
    @classmethod
    def _blank_is_this_machine(cls, value: Any) -> Any:
        if isinstance(value, str):
            return value.strip() or THIS_MACHINE
        return value

    @model_validator(mode="after")
    def _health_port_of_its_own(self) -> Self:
        port = self.rally_health_port
        if port and port == self.rally_port:
            raise ValueError(
                f"RALLY_HEALTH_PORT: {port} is RALLY_PORT too; give /healthz another port, "
                "or leave RALLY_HEALTH_PORT empty to serve it on RALLY_PORT"
            )
        return self

    @field_validator("rally_file", mode="before")
    @classmethod
    def _rally_files(cls, value: Any) -> Any:
        if isinstance(value, Path):
            return str(value)
        if isinstance(value, str) and not [part for part in value.split(",") if part.strip()]:
            raise ValueError("name a rally file (or several, comma-separated, or a folder)")
        return value

    @field_validator("rally_admins", "rally_organisers", mode="before")
    @classmethod
    def _comma_separated_ids(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        ids = set()
        for part in value.replace(";", ",").split(","):
            item = part.strip()
            if not item:
                continue
            if not item.lstrip("-").isdigit():
                raise ValueError(
                    f"'{item}' is not a Telegram user id (comma-separated numbers expected)"
                )
            ids.add(int(item))
        return frozenset(ids)

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.strip().upper() if isinstance(value, str) else value

    @property
    def token(self) -> str | None:
        """The bot token, or None for the offline demo."""
        return self.telegram_bot_token.get_secret_value() if self.telegram_bot_token else None

    @property
    def rally_files(self) -> tuple[Path, ...]:
        """Each rally file named by RALLY_FILE, a folder standing for its *.yaml files (but
        the translation states beside them, `NAME.translations.yaml`: `bot.i18n.review`)."""
        files: list[Path] = []
        for part in self.rally_file.split(","):
            if not part.strip():
                continue
            path = Path(part.strip())
            if path.is_dir():
                from bot.i18n.review import SUFFIX as STATES  # noqa: PLC0415 - read when listed

                files += sorted(
                    p
                    for p in path.iterdir()
                    if p.suffix in (".yaml", ".yml") and not p.name.endswith(STATES)
                )
            else:
                files.append(path)
        return tuple(dict.fromkeys(files))

    @property
    def telegram_file_url(self) -> str:
        """Where files are downloaded from (the dashboard's photos): `.../bot` becomes
        `.../file/bot`, as on api.telegram.org and a local Bot API server."""
        base = self.telegram_api_base_url
        root, slash, last = base.rstrip("/").rpartition("/")
        return f"{root}/file/{last}" if slash and last else f"{base.rstrip('/')}/file/bot"

    @property
    def webhook(self) -> bool:
        """Whether Telegram posts updates to RALLY_WEBHOOK_URL (else the bot polls)."""
        return bool(self.rally_webhook_url)

    @property
    def webhook_path(self) -> str:
        """The path of RALLY_WEBHOOK_URL, where the web server takes Telegram's posts."""
        return urlsplit(self.rally_webhook_url).path or "/"

    @property
    def health_apart(self) -> bool:
        """Whether /healthz has a server of its own (RALLY_HEALTH_PORT), not on RALLY_PORT."""
        return self.rally_health_port is not None

    @property
    def webhook_secret(self) -> str:
        """The webhook's secret token ('' without one)."""
        secret = self.rally_webhook_secret
        return secret.get_secret_value() if secret else ""

    @property
    def dashboard(self) -> bool:
        """Whether the organisers' dashboard is served (RALLY_PUBLIC_URL is set)."""
        return bool(self.rally_public_url)

    @property
    def dashboard_url(self) -> str:
        """The dashboard's public address ('' without RALLY_PUBLIC_URL)."""
        return f"{self.rally_public_url}{DASHBOARD_PATH}/" if self.rally_public_url else ""

    @property
    def staff(self) -> frozenset[int]:
        """Everyone allowed organiser commands: organisers and admins."""
        return self.rally_admins | self.rally_organisers


def _under(path: str, prefix: str) -> bool:
    return path == prefix or path.startswith(f"{prefix}/")


def load_settings(**overrides: Any) -> Settings:
    """Read the settings, or raise `SettingsError` naming the first wrong variable."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        error = exc.errors()[0]
        message = error["msg"].removeprefix("Value error, ")
        if not error["loc"]:  # a rule between variables: its message names them
            raise SettingsError(mask(message)) from None
        variable = str(error["loc"][0]).upper()
        raise SettingsError(f"{variable}: {mask(message)}") from None  # no input echoed
