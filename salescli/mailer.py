"""Email out: messages built with the standard ``email`` package (it refuses CR/LF in headers), addresses
validated before smtplib sees them (smtplib silently cuts an address at CR/LF), SMTP over plain, STARTTLS or
SSL, or ``.eml`` files in an outbox folder. The SMTP password comes from the environment only and never
appears in a message, an error or the database."""

from __future__ import annotations

import contextlib
import os
import smtplib
import ssl
from dataclasses import dataclass, field
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote, urlsplit

from salescli.domain.surveys import header_safe
from salescli.errors import InputError, PolicyError
from salescli.i18n import _
from salescli.settings import ENV_SMTP_URL


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: str | None
    password: str | None = field(repr=False)
    security: str  # plain | starttls | ssl
    timeout: float = 20.0

    def describe(self) -> str:
        who = f"{self.user}@" if self.user else ""
        return f"smtp://{who}{self.host}:{self.port} ({self.security})"


def parse_smtp_url(url: str, *, security: str | None = None) -> SmtpSettings:
    """``smtp://user:pass@host:port`` (plain, or STARTTLS with security=starttls) or ``smtps://...`` (SSL)."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise InputError(_("SMTP URL must look like smtp://user:password@host:port (or smtps://)"))
    mode = security or ("ssl" if parts.scheme == "smtps" else "plain")
    if mode not in ("plain", "starttls", "ssl"):
        raise InputError(_("smtp_security: {value} is not plain, starttls or ssl").format(value=repr(mode)))
    try:
        port = parts.port or (465 if mode == "ssl" else 587 if mode == "starttls" else 25)
    except ValueError:
        raise InputError(_("SMTP URL has an invalid port")) from None
    return SmtpSettings(host=parts.hostname, port=port, user=unquote(parts.username) if parts.username else None,
                        password=unquote(parts.password) if parts.password else None, security=mode)


def smtp_settings(configured_url: str | None, security: str | None) -> SmtpSettings:
    url = os.environ.get(ENV_SMTP_URL) or configured_url
    if not url:
        raise PolicyError(_("no SMTP server: set {variable}=smtp://user:password@host:port "
                            "(or use --outbox DIR to write .eml files)").format(variable=ENV_SMTP_URL))
    return parse_smtp_url(url, security=security)


def address(email: str, name: str | None = None) -> Address:
    """A checked address: syntax validated, no CR/LF anywhere, display name folded to one line."""
    from salescli.domain.identity import normalize_email

    if any(ch in email for ch in "\r\n\x00"):
        raise InputError(_("{address} contains a line break").format(address=repr(email)))
    normalized, _unused = normalize_email(email)
    local, _at, domain = normalized.rpartition("@")
    return Address(display_name=header_safe(name or ""), username=local, domain=domain)


def build(*, sender: Address, recipient: Address, subject: str, body: str, reference: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = header_safe(subject)
    message["Date"] = format_datetime(datetime.now().astimezone())
    message["Message-ID"] = make_msgid(domain=sender.domain or "localhost")
    message["X-Salescli-Survey"] = header_safe(reference)
    message.set_content(body, charset="utf-8")
    return message


def write_eml(folder: Path, name: str, message: EmailMessage, *, database: Path | None = None) -> Path:
    """One letter as ``NAME.eml`` in the outbox, by the rules of ``salescli.files`` (never replaces a letter)."""
    from salescli import files

    path = files.output_folder(folder, option="--outbox") / f"{name}.eml"
    files.write_bytes(path, bytes(message), option="--outbox", database=database)
    return path


class SendFailed(Exception):
    """One message was not accepted; ``reason`` is safe to store and print (stored with the survey: English, as the
    audit data is, whatever the language)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Mailer:
    """One SMTP session for a batch; connects on first use."""

    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Mailer:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        if self._smtp is not None:
            with contextlib.suppress(smtplib.SMTPException, OSError):
                self._smtp.quit()

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        try:
            if s.security == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout,
                                                      context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
                if s.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
            if s.user:
                smtp.login(s.user, s.password or "")
        except smtplib.SMTPAuthenticationError:
            raise SendFailed(f"{s.describe()} refused the login for {s.user}") from None
        except (OSError, smtplib.SMTPException) as error:
            raise SendFailed(f"cannot reach {s.describe()}: {type(error).__name__}: {error}") from None
        return smtp

    def send(self, message: EmailMessage) -> None:
        if self._smtp is None:
            self._smtp = self._connect()
        try:
            refused = self._smtp.send_message(message)
        except smtplib.SMTPRecipientsRefused as error:
            code, text = next(iter(error.recipients.values()))
            raise SendFailed(f"recipient refused: {code} {text.decode(errors='replace')}") from None
        except smtplib.SMTPServerDisconnected:
            self._smtp = None
            raise SendFailed(f"{self.settings.describe()} closed the connection") from None
        except (OSError, smtplib.SMTPException) as error:
            raise SendFailed(f"{type(error).__name__}: {error}") from None
        if refused:
            raise SendFailed(f"recipient refused: {refused}")
