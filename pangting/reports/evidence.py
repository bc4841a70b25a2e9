"""Evidence links: from a finding's {"model", "pk", "label"} to the page of the record behind it.

A finding names its evidence by model label and primary key (see compliance.models.Finding).
Records with a page of their own link to it directly; records shown on their parent's page
(an agenda item on its session, a record or feedback on its visit) are looked up in bulk —
one query per such model present, so resolving costs a fixed number of queries however many
findings a page shows. The target page checks access itself (404 when the user may not see
it); evidence whose record has no page keeps its label without a link.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.urls import reverse

from pangting.compliance.messages import evidence_label

# Records with their own page: model label -> URL name taking the record's pk.
DIRECT: dict[str, str] = {
    "study.studysession": "study:session_detail",
    "study.studyplan": "study:plan_detail",
    "observation.visit": "observation:visit_detail",
    "observation.rectification": "observation:rectification_detail",
    "observation.crossobservation": "observation:cross_detail",
    "observation.practice": "observation:practice_detail",
    "orgs.organization": "orgs:organization_detail",
    "analysis.textpair": "analysis:pair_detail",
}

# Records shown on their parent's page: model label -> (field holding the parent's id, URL name).
VIA_PARENT: dict[str, tuple[str, str]] = {
    "study.agendaitem": ("session_id", "study:session_detail"),
    "study.speech": ("session_id", "study:session_detail"),
    "study.attendance": ("session_id", "study:session_detail"),
    "study.reschedule": ("session_id", "study:session_detail"),
    "study.attachment": ("session_id", "study:session_detail"),
    "study.reflection": ("session_id", "study:session_detail"),
    "study.selfstudyrecord": ("session_id", "study:session_detail"),
    "study.plantheme": ("plan_id", "study:plan_detail"),
    "observation.observationrecord": ("visit_id", "observation:visit_detail"),
    "observation.feedback": ("visit_id", "observation:visit_detail"),
    "observation.talk": ("visit_id", "observation:visit_detail"),
    "observation.documentreview": ("visit_id", "observation:visit_detail"),
    "observation.teammember": ("visit_id", "observation:visit_detail"),
    "observation.evidence": ("rectification_id", "observation:rectification_detail"),
}

# Records without a page of their own but with a list that shows them.
LISTED: dict[str, str] = {
    "study.secretarytraining": "study:training_list",
    "observation.invitationrequest": "observation:invitation_list",
}


@dataclass(frozen=True)
class EvidenceLink:
    """One record behind a finding: what to show and where it leads (None: no page)."""

    model: str
    pk: int | None
    label: str
    url: str | None


def _pk(item: Mapping[str, Any]) -> int | None:
    value = item.get("pk")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def resolve(groups: Iterable[Iterable[Mapping[str, Any]]]) -> list[list[EvidenceLink]]:
    """Resolve several evidence lists at once (one per finding), keeping their order."""
    groups = [list(g) for g in groups]
    wanted: dict[str, set[int]] = defaultdict(set)
    for group in groups:
        for item in group:
            model, pk = str(item.get("model", "")).lower(), _pk(item)
            if model in VIA_PARENT and pk is not None:
                wanted[model].add(pk)
    parents: dict[str, dict[int, int | None]] = {}
    for model, pks in wanted.items():
        field, _ = VIA_PARENT[model]
        manager = apps.get_model(model)._base_manager
        parents[model] = dict(manager.filter(pk__in=sorted(pks)).values_list("pk", field))
    return [[_link(item, parents) for item in group] for group in groups]


def _link(item: Mapping[str, Any], parents: dict[str, dict[int, int | None]]) -> EvidenceLink:
    model, pk = str(item.get("model", "")).lower(), _pk(item)
    label = evidence_label(item) or f"{model} #{pk}"  # in the reader's language
    url = None
    if pk is not None and model in DIRECT:
        url = reverse(DIRECT[model], args=[pk])
    elif pk is not None and model in VIA_PARENT:
        parent = parents.get(model, {}).get(pk)
        if parent is not None:
            url = reverse(VIA_PARENT[model][1], args=[parent])
    elif model in LISTED:
        url = reverse(LISTED[model])
    return EvidenceLink(model, pk, label, url)
