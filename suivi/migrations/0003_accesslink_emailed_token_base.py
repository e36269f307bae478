from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("suivi", "0002_booking_sequence"),
    ]

    operations = [
        # AccessLink becomes a core.tokens.SingleUseToken: the digest takes the base's name (the
        # column is renamed, so existing rows and the links already sent keep working); the
        # other fields only gain labels and editable=False.
        migrations.RenameField(
            model_name="accesslink",
            old_name="secret_hash",
            new_name="token_hash",
        ),
        migrations.AlterField(
            model_name="accesslink",
            name="token_hash",
            field=models.CharField(editable=False, max_length=64, unique=True),
        ),
        migrations.AlterField(
            model_name="accesslink",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="date de création"),
        ),
        migrations.AlterField(
            model_name="accesslink",
            name="expires_at",
            field=models.DateTimeField(editable=False, verbose_name="date d'expiration"),
        ),
        migrations.AlterField(
            model_name="accesslink",
            name="used_at",
            field=models.DateTimeField(
                blank=True, editable=False, null=True, verbose_name="date d'utilisation"
            ),
        ),
    ]
