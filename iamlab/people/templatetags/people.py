"""``{% load people %}``: ``{{ user|display_name }}`` and ``{% if user|is_instructor %}``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django import template

from .. import roles

if TYPE_CHECKING:
    from ..roles import AnyUser

register = template.Library()


@register.filter(name="display_name")
def display_name(user: AnyUser) -> str:
    return roles.display_name(user)


@register.filter(name="is_instructor")
def is_instructor(user: AnyUser) -> bool:
    return roles.is_instructor(user)


@register.filter(name="role_of")
def role_of(user: AnyUser) -> str:
    return roles.role_of(user)
