from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("analysis", "0001_text_index_and_pairs"),
    ]

    operations = [
        migrations.AddField(
            model_name="textdocument",
            name="theme_tokens",
            field=models.TextField(blank=True, default=""),
        ),
        migrations.CreateModel(
            name="ThemeTokens",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(max_length=16)),
                ("object_id", models.PositiveBigIntegerField()),
                ("text_hash", models.CharField(max_length=64)),
                ("tokens", models.TextField(blank=True, default="")),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(fields=("kind", "object_id"), name="themetokens_one_per_record")
                ],
            },
        ),
    ]
