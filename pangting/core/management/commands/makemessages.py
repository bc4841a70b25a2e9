"""`makemessages` that also collects the library's message markers (`N_`, `Message`).

Django-free code in `pangting.lib` marks its user-facing texts with `N_("…")` and
`Message("…", …)` (see `pangting.lib.messages`); xgettext finds them only when told the names.
"""

from __future__ import annotations

from django.core.management.commands import makemessages


class Command(makemessages.Command):
    xgettext_options = [*makemessages.Command.xgettext_options, "--keyword=N_", "--keyword=Message"]
