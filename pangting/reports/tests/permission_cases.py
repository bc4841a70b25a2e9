"""The reports app's rows of the permission matrix, one module per part (collected by the matrix test)."""

from __future__ import annotations

from pangting.tests.matrix import Case

from .permission_cases_api import CASES as API_CASES
from .permission_cases_dashboards import CASES as DASHBOARDS
from .permission_cases_documents import CASES as DOCUMENTS
from .permission_cases_ledgers import CASES as LEDGERS

CASES: list[Case] = [*DASHBOARDS, *DOCUMENTS, *LEDGERS, *API_CASES]
