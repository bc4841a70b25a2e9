"""Excel import and export of the directory: organizations, people, center-group members,
leader–unit links (校领导联系二级学院安排表) and liaisons (联络员).

Import is all-or-nothing. The workbook is parsed, every row of every sheet is checked and
every problem collected; only when there is none is everything written, in one transaction,
through the directory services, so that history rows carry the importer as actor. Rows refer
to organizations by 编码 and to people by 工号; a row whose code or 工号 already exists updates
that record, so importing the same file twice changes nothing the second time. Import never
deletes: ending a membership or a link stays a deliberate act in the directory pages.

Export writes the same workbook shape as the template (export → import round-trips), holds
only what `Model.objects.for_user(user)` returns, and masks phones unless the user may see
them (PERSON_PHONE); full numbers leaving the system are recorded as an audit event.

Organizations the importer touches (an existing one, or the parent of a new or moved one)
must be within the importer's reach for DIRECTORY_CHANGE. In line with the policy module, an
organization out of reach is reported exactly like a missing one.

The package holds the workbook's shape and the result types (`spec`), the template and export
(`exporter`) and the import (`importer`); everything is importable from here, as it was when
this was one module.
"""

from .exporter import export_workbook, template_workbook
from .importer import CREATE, KEEP, UPDATE, A, import_workbook
from .spec import (
    DATA_SHEETS,
    HELP_HEADERS,
    HELP_NOTES,
    HELP_TITLE,
    KIND_LABELS,
    KINDS_BY_LABEL,
    LEADER_LINKS,
    LIAISONS,
    MEMBERS,
    NO,
    ORGS,
    PEOPLE,
    ROLE_LABELS,
    ROLES_BY_LABEL,
    XLSX_CONTENT_TYPE,
    YES,
    Column,
    ImportResult,
    Problem,
    SheetSpec,
    Tally,
)

__all__ = [
    "CREATE",
    "DATA_SHEETS",
    "HELP_HEADERS",
    "HELP_NOTES",
    "HELP_TITLE",
    "KEEP",
    "KINDS_BY_LABEL",
    "KIND_LABELS",
    "LEADER_LINKS",
    "LIAISONS",
    "MEMBERS",
    "NO",
    "ORGS",
    "PEOPLE",
    "ROLES_BY_LABEL",
    "ROLE_LABELS",
    "UPDATE",
    "XLSX_CONTENT_TYPE",
    "YES",
    "A",
    "Column",
    "ImportResult",
    "Problem",
    "SheetSpec",
    "Tally",
    "export_workbook",
    "import_workbook",
    "template_workbook",
]
