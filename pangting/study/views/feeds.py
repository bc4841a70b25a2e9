"""The calendar subscription: the secret feed URL, and issuing or revoking it from the profile page."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from .. import ics
from ..models import CalendarFeed
from ..services import feeds

NEW_FEED_KEY = "study.new_calendar_feed"  # the new URL, shown once on the next profile page


def calendar_feed(request: HttpRequest, key: str) -> HttpResponse:
    """The user's calendar for a calendar app: no login, the secret key is the credential.

    Unknown and revoked keys both answer 404. What the feed holds is scoped by the key's user
    through the policy, exactly as that user's own pages are."""
    feed = CalendarFeed.find(key)
    if feed is None:
        raise Http404(_("日历订阅地址无效或已停用。"))
    # Calendar apps send no language: the site's, unless the URL asks for another (`?lang=en`).
    lang = request.GET.get("lang", "")
    with translation.override(lang if lang in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE):
        body = ics.user_calendar(feed.user, host=ics.uid_host(request.get_host()))
    feeds.note_calendar_fetch(feed, request=request)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="pangting.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_POST
def calendar_feed_issue(request: HttpRequest) -> HttpResponse:
    raw = feeds.issue_calendar_feed(request.user, request=request)
    request.session[NEW_FEED_KEY] = request.build_absolute_uri(reverse("study:calendar_feed", args=[raw]))
    messages.success(request, _("已生成新的日历订阅地址；旧地址（如有）已停用。"))
    return redirect(reverse("accounts:profile") + "#calendar-feed")


@login_required
@require_POST
def calendar_feed_revoke(request: HttpRequest) -> HttpResponse:
    if feeds.revoke_calendar_feed(request.user, request=request):
        messages.success(request, _("日历订阅已停用，日历应用将无法再获取更新。"))
    else:
        messages.info(request, _("没有在用的日历订阅。"))
    return redirect(reverse("accounts:profile") + "#calendar-feed")


def profile_section(request: HttpRequest) -> str:
    """The profile page's card (registered in StudyConfig.ready): the URL once, copy, instructions."""
    user = request.user
    if not getattr(user, "is_authenticated", False):
        return ""
    new_url = request.session.pop(NEW_FEED_KEY, None)
    context = {"feed": feeds.active_calendar_feed(user), "new_url": new_url}
    return render_to_string("study/_calendar_feed_card.html", context, request=request)
