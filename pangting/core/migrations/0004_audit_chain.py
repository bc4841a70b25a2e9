"""Chain the audit log: sequence numbers and hashes for every event, the chain head, checkpoints.

Existing events are chained in the order they were written (time, then id).
"""

import django.utils.timezone
from django.conf import settings
from django.db import migrations, models

from pangting.lib import auditchain


def chain_existing(apps, schema_editor):
    AuditEvent = apps.get_model("core", "AuditEvent")
    AuditChainHead = apps.get_model("core", "AuditChainHead")
    db = schema_editor.connection.alias
    algorithm = settings.PANGTING_AUDIT_HASH
    prev_seq, prev_hash = 0, auditchain.GENESIS
    for event in AuditEvent.objects.using(db).order_by("at", "id").iterator(chunk_size=2000):
        event.seq = prev_seq + 1
        event.algorithm = algorithm
        event.detail = auditchain.plain_json(event.detail or {})
        fields = {
            "seq": event.seq,
            "at": event.at,
            "actor_id": event.actor_id,
            "username": event.username,
            "action": event.action,
            "target": event.target,
            "success": bool(event.success),
            "ip": event.ip or None,
            "detail": event.detail,
            "algorithm": algorithm,
        }
        event.hash = auditchain.link(prev_hash, fields)
        AuditEvent.objects.using(db).filter(pk=event.pk).update(
            seq=event.seq, hash=event.hash, algorithm=algorithm, detail=event.detail
        )
        prev_seq, prev_hash = event.seq, event.hash
    AuditChainHead.objects.using(db).update_or_create(
        pk=1, defaults={"seq": prev_seq, "hash": prev_hash, "algorithm": algorithm if prev_seq else ""}
    )


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0003_merge_outbox_parameters_transitions"),
    ]

    operations = [
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.PositiveBigIntegerField(default=0)),
                ("hash", models.CharField(max_length=128)),
                ("algorithm", models.CharField(blank=True, max_length=16)),
                ("updated_at", models.DateTimeField(auto_now=True)),
            ],
            options={
                "verbose_name": "审计链头",
                "verbose_name_plural": "审计链头",
            },
        ),
        migrations.CreateModel(
            name="AuditCheckpoint",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(verbose_name="日期")),
                (
                    "kind",
                    models.CharField(
                        choices=[("daily", "每日"), ("archive", "归档")],
                        default="daily",
                        max_length=16,
                        verbose_name="类型",
                    ),
                ),
                ("seq", models.PositiveBigIntegerField(verbose_name="序号")),
                ("hash", models.CharField(max_length=128, verbose_name="摘要")),
                ("algorithm", models.CharField(blank=True, max_length=16, verbose_name="摘要算法")),
                (
                    "created_at",
                    models.DateTimeField(default=django.utils.timezone.now, editable=False, verbose_name="记录时间"),
                ),
                ("note", models.CharField(blank=True, max_length=200, verbose_name="说明")),
            ],
            options={
                "verbose_name": "审计检查点",
                "verbose_name_plural": "审计检查点",
                "ordering": ["seq", "pk"],
                "constraints": [
                    models.UniqueConstraint(
                        condition=models.Q(("kind", "daily")), fields=("day",), name="core_auditcheckpoint_one_daily"
                    )
                ],
            },
        ),
        migrations.AddField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(editable=False, null=True, verbose_name="序号"),
        ),
        migrations.AddField(
            model_name="auditevent",
            name="hash",
            field=models.CharField(default="", editable=False, max_length=128, verbose_name="摘要"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditevent",
            name="algorithm",
            field=models.CharField(default="", editable=False, max_length=16, verbose_name="摘要算法"),
            preserve_default=False,
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditevent",
            name="seq",
            field=models.PositiveBigIntegerField(editable=False, unique=True, verbose_name="序号"),
        ),
    ]
