"""Joint supervision (R-O21): partner departments co-sign the supervising level's notice letter.

The organization department (组织部) and the organs' working committee (机关工委) of a level
supervise together with its propaganda department: a partner seated at the visit's
supervising organization co-signs the letter before it is issued, and the letter then names
every issuer in its GB/T 9704 masthead and signature (联合行文), the propaganda department first.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _

from pangting.accounts import policy
from pangting.core import clock
from pangting.core.system import require_actor
from pangting.orgs.models import Organization

from ..models import Cosignature, State, Visit
from ._common import A, _save, _user

M = TypeVar("M", bound=models.Model)

# How each partner department signs at a level (the stored name is what the letter prints).
PARTNER_SUFFIX = {
    Cosignature.Partner.ORG_DEPARTMENT: "组织部",  # i18n: not interface (an issuing body's name)
    Cosignature.Partner.ORGANS_COMMITTEE: "机关工作委员会",  # i18n: not interface (an issuing body's name)
}


def supervisor_issuer(organization: Organization) -> str:
    """The supervising level's propaganda department as it signs (e.g. 中共…委员会宣传部)."""
    return organization.office_name or f"{organization.name}宣传部"  # i18n: not interface


def partner_issuer(organization: Organization, partner: str) -> str:
    """A partner department of `organization` as it signs."""
    return f"{organization.name}{PARTNER_SUFFIX[Cosignature.Partner(partner)]}"


def partner_seats_at(user: Any, organization_id: int) -> list[str]:
    """The partner roles `user` holds at the supervising organization `organization_id` (R-O21)."""
    return sorted(
        {
            a.role
            for a in policy.assignments(user)
            if a.role in Cosignature.Partner.values and a.organization_id == organization_id
        }
    )


def partner_seats(user: Any, visit: Visit) -> list[str]:
    """The partner roles `user` holds at the visit's supervising organization (R-O21)."""
    if not policy.can(user, A.OBSERVATION_COSIGN, visit.unit):
        return []
    return partner_seats_at(user, visit.supervisor_org_id)


def can_cosign(user: Any, visit: Visit) -> bool:
    """Whether `user` may co-sign this visit's letter now: a partner of its level, before issue,
    not yet signed for his department."""
    if visit.state != State.PLANNED:
        return False
    signed = set(visit.cosignatures.filter(deleted_at__isnull=True).values_list("partner", flat=True))
    return any(seat not in signed for seat in partner_seats(user, visit))


@transaction.atomic
def cosign_letter(visit: Visit, *, actor: Any) -> list[Cosignature]:
    """Co-sign the notice letter for each partner department `actor` holds at the visit's level."""
    require_actor(actor)
    visit = Visit.objects.select_for_update().select_related("supervisor_org").get(pk=visit.pk)
    if visit.state != State.PLANNED:
        raise ValidationError(_("函件已印发或巡听旁听已结束，不能再会签。"))
    seats = partner_seats(actor, visit)
    if not seats:
        raise ValidationError(_("只有本级联合督导部门（组织部、机关工委）可以会签函件。"))
    signed = set(visit.cosignatures.filter(deleted_at__isnull=True).values_list("partner", flat=True))
    return add_cosignatures(
        Cosignature,
        {"visit": visit},
        visit.supervisor_org,
        seats,
        signed=signed,
        actor=actor,
        already=_("您所在部门已会签此函。"),
    )


def add_cosignatures(
    model: type[M],
    owner: dict[str, Any],
    organization: Organization,
    seats: list[str],
    *,
    signed: set[str],
    actor: Any,
    already: str,
) -> list[M]:
    """Sign for each partner department in `seats` not among `signed` (R-O21); `already` when none is left.

    One home for the visit letter's and the joint bulletin's signatures: each names the partner
    department as it signs at `organization`, the signer and the moment.
    """
    made = []
    for seat in seats:
        if seat in signed:
            continue
        signature = model(
            **owner,
            partner=seat,
            issuer_name=partner_issuer(organization, seat),
            signed_by=_user(actor),
            signed_at=clock.now(),
        )
        _save(signature, actor)
        made.append(signature)
    if not made:
        raise ValidationError(already)
    return made


def letter_issuers(visit: Visit) -> list[str]:
    """Every issuer of the visit's letter, the propaganda department first (联合行文, R-O21)."""
    partners = (
        visit.cosignatures.filter(deleted_at__isnull=True).order_by("partner").values_list("issuer_name", flat=True)
    )
    return [supervisor_issuer(visit.supervisor_org), *partners]
