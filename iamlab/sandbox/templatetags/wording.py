"""Sentences kept in one place and shown on many pages: ``{% load wording %}``, then
``{% root_user_limits %}`` (what can limit the root user, the engine's own sentence) or
``{% default_console_password %}`` (the password of users created without one) or
``{% aws_managed_snapshot %}`` (how many AWS managed policies iamlab ships, and their date)."""

from __future__ import annotations

from django import template

from ..awsmanaged import snapshot_words
from ..models import DEFAULT_CONSOLE_PASSWORD

register = template.Library()


@register.simple_tag
def root_user_limits() -> str:
    from iamlab.policy import ROOT_USER_LIMITS  # the engine loads with its first page, not here

    return ROOT_USER_LIMITS


@register.simple_tag
def default_console_password() -> str:
    return DEFAULT_CONSOLE_PASSWORD


@register.simple_tag
def aws_managed_snapshot() -> str:
    return snapshot_words()
