"""What an appeal, a recipient, a sender and a supporter are, and how they are read.

Typed, immutable data checked on the way in: every problem in an input file is reported with
its file, line, column and field. Nothing here knows about letters or PDF.
"""

from .campaign import Appeal, Campaign, Channel, Recipient, Sender, StrictModel, comparable
from .channel_rules import CHANNEL_NAMES, Choice, Rule, bundled_rules, choose_channel
from .embassies import Embassies, Embassy, load_embassies
from .load import load_campaign, load_model, load_sender, sender_from_options
from .postal import postage, town_lines
from .supporters import Supporter, SupportersFile, read_supporters, write_rejected
from .values import (
    SUPPORTED_LANGUAGES,
    TERMINAL_UNSAFE,
    Email,
    Line,
    Url,
    check_email,
    format_phone,
)

__all__ = [
    "CHANNEL_NAMES",
    "SUPPORTED_LANGUAGES",
    "TERMINAL_UNSAFE",
    "Appeal",
    "Campaign",
    "Channel",
    "Choice",
    "Email",
    "Embassies",
    "Embassy",
    "Line",
    "Recipient",
    "Rule",
    "Sender",
    "StrictModel",
    "Supporter",
    "SupportersFile",
    "Url",
    "bundled_rules",
    "check_email",
    "choose_channel",
    "comparable",
    "format_phone",
    "load_campaign",
    "load_embassies",
    "load_model",
    "load_sender",
    "postage",
    "read_supporters",
    "sender_from_options",
    "town_lines",
    "write_rejected",
]
