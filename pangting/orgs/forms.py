from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from pangting.core import inputs, widgets

from .models import Organization, Person, StudyGroupMember


class OrganizationForm(inputs.CheckedModelForm):
    class Meta:
        model = Organization
        fields = [
            "name",
            "short_name",
            "code",
            "kind",
            "parent",
            "sort_order",
            "has_party_groups",
            "office_name",
            "doc_abbr",
            "has_supervisor",
        ]

    # Searched, not a <select> of every organization (issue 15).
    parent = widgets.OrganizationSearchField(label=_("上级组织"), scope="directory.change")

    def __init__(self, *args: Any, parents: Any, **kwargs: Any) -> None:
        """`parents`: `policy.parent_choices` (an edited organization not under itself)."""
        super().__init__(*args, **kwargs)
        moving = self.instance.pk
        self.fields["parent"].limit(parents, **({"moving": moving} if moving else {}))


class PersonForm(inputs.CheckedModelForm):
    class Meta:
        model = Person
        fields = ["name", "staff_no", "organization", "post", "phone", "email", "is_school_leader"]
        widgets = {"phone": forms.TextInput(attrs={"type": "tel"})}

    organization = widgets.OrganizationSearchField(label=_("所在组织"), scope="directory.change")

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].limit(organizations)


class MemberForm(inputs.CheckedForm):
    person = widgets.PersonSearchField(label=_("人员"), scope="directory.change")
    role = forms.ChoiceField(label=_("组内角色"), choices=StudyGroupMember.Role.choices)
    post = forms.CharField(label=_("职务"), required=False, max_length=100)
    joined_on = forms.DateField(label=_("加入日期"), required=False, widget=widgets.DateInput())

    def __init__(self, *args: Any, organization: Organization, people: Any, **kwargs: Any) -> None:
        """`people`: `policy.group_member_choices` of `organization`; its search asks for them too."""
        super().__init__(*args, **kwargs)
        self.fields["person"].limit(people, org=organization.pk)


class LinkForm(inputs.CheckedForm):
    KIND_CHOICES = [("leader", _("联系领导")), ("liaison", _("联络员"))]
    kind = forms.ChoiceField(label=_("类型"), choices=KIND_CHOICES)
    person = widgets.PersonSearchField(label=_("人员"), scope="directory.change")
    unit = widgets.OrganizationSearchField(label=_("联系单位"), scope="directory.change", units_only=True)
    valid_from = forms.DateField(label=_("起始日期"), widget=widgets.DateInput())

    def __init__(self, *args: Any, people: Any, units: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = people
        self.fields["unit"].queryset = units


class ConflictForm(inputs.CheckedForm):
    """Prefixed `conflict-`: it shares the organization's page with the center group's member form."""

    prefix = "conflict"
    person = widgets.PersonSearchField(label=_("人员"), scope="directory.view")
    reason = forms.CharField(label=_("回避原因"), max_length=200)

    def __init__(self, *args: Any, people: Any, **kwargs: Any) -> None:
        """`people`: those the user sees (directory.view), as its search: a conflict keeps anyone
        off a visit's team, a standing team's member as well as its leader (R-O3)."""
        super().__init__(*args, **kwargs)
        self.fields["person"].limit(people)


class PersonFilterForm(inputs.CheckedForm):
    """The people list's organization filter: searched (htmx), not a <select> of every
    organization (issue 15); `organizations` is the policy-scoped queryset the view passes."""

    org = widgets.OrganizationSearchField(label=_("组织"), scope="directory.view", required=False)

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["org"].queryset = organizations
