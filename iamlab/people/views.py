"""Sign up, sign in, sign out and the account page. Thin views: the forms do the work."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from . import roles
from .forms import DisplayNameForm, SignInForm, SignUpForm
from .models import Profile, Role

REDIRECT_FIELD = "next"
ASKED_TO_TEACH = (
    "You asked to be an instructor. A staff member will look at your request; until they "
    "approve it, your account is a student's."
)


def _safe_next(request: HttpRequest) -> str:
    """The ``next`` the form or the query string names, if it stays on this site."""
    target = request.POST.get(REDIRECT_FIELD) or request.GET.get(REDIRECT_FIELD, "")
    # A path on this site only: "999999" or "x" would be taken relative to the form's page.
    # The home page is where the header's links start from, not a place to go back to: a
    # learner who signs up or in there goes to the course, their home.
    if target == "/":
        return ""
    if target.startswith("/") and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


class SignInView(LoginView):
    template_name = "people/sign_in.html"
    authentication_form = SignInForm
    redirect_authenticated_user = True  # a signed-in person goes on instead of signing in again

    def get_redirect_url(self, request: HttpRequest | None = None) -> str:
        # As for sign-up: "next=/" is where the header's link was, not where to go.
        url = super().get_redirect_url(request)
        return "" if url == "/" else url

    def form_invalid(self, form: Any) -> HttpResponse:
        form.focus_first_error()
        response = super().form_invalid(form)
        if form.refusal is not None:  # too many failed sign-ins (people.lockout)
            response.status_code = 429
            response["Retry-After"] = str(form.refusal.retry_after)
        return response


sign_in = SignInView.as_view()


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    next_url = _safe_next(request)
    if request.user.is_authenticated:
        # A URL, never a view name: ``redirect("999999")`` would try to reverse it.
        return HttpResponseRedirect(next_url or resolve_url("people:account"))
    form = SignUpForm(request.POST if request.method == "POST" else None)
    if request.method == "POST":
        if form.is_valid():
            user = form.save()
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(
                request, f"Welcome, {user.get_username()}: you are signed in as a student."
            )
            if form.cleaned_data["role"] == Role.INSTRUCTOR:
                messages.info(request, ASKED_TO_TEACH)
            return HttpResponseRedirect(next_url or resolve_url(settings.LOGIN_REDIRECT_URL))
        form.focus_first_error()
    return render(request, "people/sign_up.html", {"form": form, "next": next_url})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    was_signed_in = request.user.is_authenticated
    logout(request)
    if was_signed_in:
        messages.info(request, "You have signed out.")
    return redirect(resolve_url(settings.LOGOUT_REDIRECT_URL))


@login_required
@require_http_methods(["GET", "POST"])
def account(request: HttpRequest) -> HttpResponse:
    profile = roles.profile_of(request.user)
    assert profile is not None  # login_required
    if request.method == "POST" and request.POST.get("action") == "ask-to-teach":
        if profile.role != Role.INSTRUCTOR and profile.teach_requested_at is None:
            profile.teach_requested_at = timezone.now()
            profile.save(update_fields=["teach_requested_at"])
            messages.info(request, ASKED_TO_TEACH)
        return redirect("people:account")
    form = DisplayNameForm(request.POST if request.method == "POST" else None, instance=profile)
    if request.method == "POST":
        if form.is_valid():
            form.save()
            messages.success(request, "Your display name is saved.")
            return redirect("people:account")
        form.focus_first_error()
    waiting = (
        Profile.objects.filter(teach_requested_at__isnull=False)
        .exclude(role=Role.INSTRUCTOR)
        .count()
        if request.user.is_staff
        else 0
    )
    return render(
        request,
        "people/account.html",
        {"form": form, "profile": profile, "waiting": waiting},
    )
