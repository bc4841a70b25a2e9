"""Fill the theme hints' stored words (R-S6, issue 15) for the texts an install already holds.

Each speech's index document gets the words of its text (its outline, written material and the
text of its uploaded file, as the near-duplicate index reads it), each center-group session and
each plan theme a `ThemeTokens` row. A speech the index does not hold yet gets its words with its
document when `scan_texts` (or the next save) indexes it. The words are cut as
`pangting.lib.themefit` cuts them today; `rebuild_theme_tokens --check` compares them with a
recount after any later change of the tokenizer.
"""

import hashlib

from django.db import migrations

from pangting.lib import textdup, themefit

CENTER_GROUP = "center_group"  # study.models.SessionKind.CENTER_GROUP


def _joined(*parts):
    return "\n".join(part for part in parts if part)


def _counts(text):
    return themefit.pack(themefit.counts(themefit.tokens(text)))


def _speech_text(speech):
    """As `analysis.sources.TextSource.read` reads a speech: its fields, then its file's text."""
    parts = [speech.outline or "", speech.written_text or ""]
    if speech.file:
        try:
            with speech.file.open("rb") as handle:
                found = textdup.extract_text(handle.read(), speech.file.name)
        except (OSError, textdup.UnreadableFile):
            found = None
        if found:
            parts.append(found)
    return "\n".join(part for part in parts if part.strip())


def fill(apps, schema_editor):
    TextDocument = apps.get_model("analysis", "TextDocument")
    ThemeTokens = apps.get_model("analysis", "ThemeTokens")
    Speech = apps.get_model("study", "Speech")
    StudySession = apps.get_model("study", "StudySession")
    PlanTheme = apps.get_model("study", "PlanTheme")

    documents = list(TextDocument.objects.filter(kind="speech").only("pk", "object_id").order_by("pk"))
    for start in range(0, len(documents), 500):
        batch = documents[start : start + 500]
        speeches = Speech._base_manager.in_bulk([document.object_id for document in batch])
        for document in batch:
            speech = speeches.get(document.object_id)
            document.theme_tokens = _counts(_speech_text(speech)) if speech is not None else ""
        TextDocument.objects.bulk_update(batch, ["theme_tokens"])

    rows = []
    sessions = StudySession._base_manager.filter(kind=CENTER_GROUP).order_by("pk")
    for pk, title, content in sessions.values_list("pk", "title", "content").iterator(chunk_size=2000):
        text = _joined(title, content)
        rows.append(ThemeTokens(kind="session_theme", object_id=pk, text_hash=_hash(text), tokens=_counts(text)))
    themes = PlanTheme._base_manager.order_by("pk").values_list("pk", "theme", "materials")
    for pk, theme, materials in themes.iterator(chunk_size=2000):
        text = _joined(theme, materials)
        rows.append(ThemeTokens(kind="plan_theme", object_id=pk, text_hash=_hash(text), tokens=_counts(text)))
    ThemeTokens.objects.bulk_create(rows, batch_size=500, ignore_conflicts=True)


def _hash(text):
    return hashlib.sha256(text.encode()).hexdigest()


def empty(apps, schema_editor):
    apps.get_model("analysis", "ThemeTokens").objects.all().delete()
    apps.get_model("analysis", "TextDocument").objects.filter(kind="speech").update(theme_tokens="")


class Migration(migrations.Migration):
    dependencies = [
        ("analysis", "0002_theme_tokens"),
        ("study", "0015_drop_staleness_only_updated_at_indexes"),
    ]

    operations = [migrations.RunPython(fill, empty)]
