"""The calendar rules of the suivi: calendar months, French working days, Paris dates.

A due date is a calendar date in Paris. Months are added with dateutil (31 August + 6 months is
28 or 29 February). Working days skip weekends and the French public holidays (the `holidays`
package, metropolitan France: 1 January, Easter Monday, 1 and 8 May, Ascension, Whit Monday,
14 July, 15 August, 1 and 11 November, 25 December).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import cache
from zoneinfo import ZoneInfo

import holidays
from dateutil.relativedelta import relativedelta

PARIS = ZoneInfo("Europe/Paris")


@cache
def _french_holidays(year: int) -> holidays.HolidayBase:
    return holidays.country_holidays("FR", years=year, language="fr")


def is_holiday(day: date) -> bool:
    return day in _french_holidays(day.year)


def holiday_name(day: date) -> str | None:
    return _french_holidays(day.year).get(day)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_holiday(day)


def next_working_day(day: date) -> date:
    """The day itself when it is a working day, else the next one."""
    while not is_working_day(day):
        day += timedelta(days=1)
    return day


def add_working_days(start: date, count: int) -> date:
    """`count` French working days after `start` (start itself is not counted)."""
    day = start
    remaining = count
    while remaining > 0:
        day += timedelta(days=1)
        if is_working_day(day):
            remaining -= 1
    return day


def add_months(day: date, months: int) -> date:
    """Calendar months; the end of a shorter month is kept (31/08 + 6 = 28/02 or 29/02)."""
    return day + relativedelta(months=months)


def paris_date(moment: datetime) -> date:
    """The Paris calendar date of an aware instant."""
    return moment.astimezone(PARIS).date()


def follow_up_due_on(delivered_at: datetime, delay_months: int) -> date:
    return add_months(paris_date(delivered_at), delay_months)


def invitation_date(due_on: date, lead_days: int, *, not_before: date | None = None) -> date:
    """due_on − lead time, moved to the next French working day (never before `not_before`)."""
    day = due_on - timedelta(days=lead_days)
    if not_before is not None and day < not_before:
        day = not_before
    return next_working_day(day)


def paris_midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=PARIS)
