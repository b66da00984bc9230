"""Getting letters to the official: SMTP and fax gateways, exports, the journal, the report."""

from .config import DeliveryConfig, SmtpSettings, load_delivery, smtp_settings
from .export import export
from .imap import ImapSettings, imap_settings, read_imap
from .journal import JOURNAL_NAME, SENT_LOG, Journal, Key, Reply
from .mail import (
    ByHand,
    Outgoing,
    letter_message,
    letter_subject,
    mailto_link,
    plan,
    rendered_letters,
    supporter_key,
)
from .post import PrintPack, write_print_pack
from .receipts import Applied, MailboxError, apply_callbacks, apply_mailbox, apply_messages
from .report import build_report, report_message
from .retry import RetryPlan, plan_retries
from .send import Resend, SmtpTransport, send_all

__all__ = [
    "JOURNAL_NAME",
    "SENT_LOG",
    "Applied",
    "ByHand",
    "DeliveryConfig",
    "ImapSettings",
    "Journal",
    "Key",
    "MailboxError",
    "Outgoing",
    "PrintPack",
    "Reply",
    "Resend",
    "RetryPlan",
    "SmtpSettings",
    "SmtpTransport",
    "apply_callbacks",
    "apply_mailbox",
    "apply_messages",
    "build_report",
    "export",
    "imap_settings",
    "letter_message",
    "letter_subject",
    "load_delivery",
    "mailto_link",
    "plan",
    "plan_retries",
    "read_imap",
    "rendered_letters",
    "report_message",
    "send_all",
    "smtp_settings",
    "supporter_key",
    "write_print_pack",
]
