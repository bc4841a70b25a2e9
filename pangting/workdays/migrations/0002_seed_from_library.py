"""Copy the official calendar for 2004–2026 from chinese-calendar into our own table.

Later years are entered by an administrator (the library raises for them); the copy
makes the system independent of the library version installed on a given day.
"""

import chinese_calendar
from django.db import migrations

LAST_LIBRARY_YEAR = 2026


def seed(apps, schema_editor):
    CalendarYear = apps.get_model("workdays", "CalendarYear")
    CalendarDay = apps.get_model("workdays", "CalendarDay")
    years = {}
    for year in range(2004, LAST_LIBRARY_YEAR + 1):
        years[year], _ = CalendarYear.objects.get_or_create(
            year=year, defaults={"source": "library", "notice": "chinese-calendar 1.11.0"}
        )
    days = []
    for date, name in chinese_calendar.holidays.items():
        if date.year in years:
            days.append(CalendarDay(date=date, year=years[date.year], kind="holiday", name=_name(name)))
    for date, name in chinese_calendar.workdays.items():
        if date.year in years:
            days.append(CalendarDay(date=date, year=years[date.year], kind="makeup", name=_name(name)))
    CalendarDay.objects.bulk_create(days, ignore_conflicts=True)


NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def _name(value):
    text = getattr(value, "value", value) or ""
    return NAMES.get(text, text)[:40]


def unseed(apps, schema_editor):
    apps.get_model("workdays", "CalendarYear").objects.filter(source="library").delete()


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
