from __future__ import annotations

from django.contrib import admin

from .models import Simulation


@admin.register(Simulation)
class SimulationAdmin(admin.ModelAdmin):  # type: ignore[type-arg]
    list_display = ["__str__", "owner", "created_at"]
    list_filter = ["created_at"]
    readonly_fields = ["id", "owner", "session_key", "data", "created_at"]
