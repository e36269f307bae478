"""The calendar rules: calendar months, French working days, Paris dates and daylight saving."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import time_machine

from core import workdays
from tests.suivi.helpers import delivered_bilan, follow_up_of, paris


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 8, 31), 6, date(2027, 2, 28)),  # 2027 is not a leap year
        (date(2027, 8, 31), 6, date(2028, 2, 29)),  # 2028 is
        (date(2026, 3, 31), 6, date(2026, 9, 30)),
        (date(2026, 1, 15), 6, date(2026, 7, 15)),
        (date(2026, 12, 31), 2, date(2027, 2, 28)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
    ],
)
def test_calendar_months_keep_the_end_of_shorter_months(start, months, expected):
    assert workdays.add_months(start, months) == expected


@pytest.mark.parametrize(
    ("day", "name_part"),
    [
        (date(2027, 1, 1), "Jour de l'an"),
        (date(2027, 3, 29), "Lundi de Pâques"),
        (date(2027, 5, 1), "Fête du Travail"),
        (date(2027, 5, 6), "Ascension"),
        (date(2027, 5, 8), "Victoire"),
        (date(2027, 7, 14), "Fête nationale"),
        (date(2027, 8, 15), "Assomption"),
        (date(2027, 11, 1), "Toussaint"),
        (date(2027, 11, 11), "Armistice"),
        (date(2027, 12, 25), "Noël"),
    ],
)
def test_french_public_holidays_are_not_working_days(day, name_part):
    assert workdays.is_holiday(day)
    assert not workdays.is_working_day(day)
    assert name_part.lower() in workdays.holiday_name(day).lower()


def test_weekends_are_not_working_days_and_ordinary_days_are():
    assert not workdays.is_working_day(date(2026, 11, 28))  # Saturday
    assert not workdays.is_working_day(date(2026, 11, 29))  # Sunday
    assert workdays.is_working_day(date(2026, 11, 26))  # Thursday


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 11, 26), date(2026, 11, 26)),  # a working day stays
        (date(2026, 11, 28), date(2026, 11, 30)),  # Saturday -> Monday
        (date(2027, 5, 1), date(2027, 5, 3)),  # 1 May 2027 is a Saturday -> Monday 3
        (date(2027, 5, 6), date(2027, 5, 7)),  # Ascension (Thursday) -> Friday
        (date(2027, 7, 14), date(2027, 7, 15)),  # 14 July (Wednesday) -> Thursday
        (date(2027, 8, 14), date(2027, 8, 16)),  # Saturday, then 15 August (Sunday) -> Monday
        (date(2027, 12, 25), date(2027, 12, 27)),  # Christmas (Saturday) -> Monday
        (date(2026, 12, 25), date(2026, 12, 28)),  # Christmas (Friday), weekend -> Monday
    ],
)
def test_next_working_day(day, expected):
    assert workdays.next_working_day(day) == expected


def test_add_working_days_skips_weekends_and_holidays():
    # CPF withdrawal: 11 working days. From Thursday 30 April 2026: 1 May (Fri), 8 May (Fri) and
    # Ascension (Thu 14 May) are holidays, plus three weekends.
    assert workdays.add_working_days(date(2026, 4, 30), 11) == date(2026, 5, 20)
    assert workdays.add_working_days(date(2026, 11, 26), 1) == date(2026, 11, 27)
    assert workdays.add_working_days(date(2026, 11, 27), 1) == date(2026, 11, 30)


def test_the_invitation_date_moves_to_the_next_working_day():
    # due 30 August 2027 - 21 days = 9 August (Monday): unchanged.
    assert workdays.invitation_date(date(2027, 8, 30), 21) == date(2027, 8, 9)
    # due 5 September 2027 - 21 days = 15 August (Sunday, Assomption) -> Monday 16.
    assert workdays.invitation_date(date(2027, 9, 5), 21) == date(2027, 8, 16)
    # never before `not_before`
    assert workdays.invitation_date(date(2026, 12, 1), 21, not_before=date(2026, 11, 26)) == date(
        2026, 11, 26
    )


def test_the_delivery_date_is_read_in_paris():
    # 31 August 2026 at 23:30 UTC is already 1 September in Paris (UTC+2).
    late = datetime(2026, 8, 31, 23, 30, tzinfo=UTC)
    assert workdays.paris_date(late) == date(2026, 9, 1)
    assert workdays.follow_up_due_on(late, 6) == date(2027, 3, 1)
    # Winter: 31 December 23:30 UTC is 1 January 00:30 in Paris (UTC+1).
    assert workdays.paris_date(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == date(2027, 1, 1)


@pytest.mark.parametrize(
    ("moment", "paris_day"),
    [
        # Spring forward: Sunday 29 March 2026, 02:00 -> 03:00 Paris.
        (datetime(2026, 3, 29, 0, 59, tzinfo=UTC), date(2026, 3, 29)),
        (datetime(2026, 3, 28, 22, 59, tzinfo=UTC), date(2026, 3, 28)),
        (datetime(2026, 3, 28, 23, 0, tzinfo=UTC), date(2026, 3, 29)),
        # Fall back: Sunday 25 October 2026, 03:00 -> 02:00 Paris.
        (datetime(2026, 10, 24, 21, 59, tzinfo=UTC), date(2026, 10, 24)),
        (datetime(2026, 10, 24, 22, 0, tzinfo=UTC), date(2026, 10, 25)),
        (datetime(2026, 10, 25, 22, 59, tzinfo=UTC), date(2026, 10, 25)),
        (datetime(2026, 10, 25, 23, 0, tzinfo=UTC), date(2026, 10, 26)),
    ],
)
def test_paris_dates_on_daylight_saving_days(moment, paris_day):
    assert workdays.paris_date(moment) == paris_day


def test_delivery_on_31_august_is_followed_up_on_the_last_day_of_february(side_a):
    with time_machine.travel(paris(2026, 8, 31, 16, 0), tick=False):
        bilan, _synthesis = delivered_bilan(side_a, delivered_at=paris(2026, 8, 31, 16, 0))
    follow_up = follow_up_of(side_a, bilan)
    assert follow_up.due_on == date(2027, 2, 28)
    # 28 Feb 2027 - 21 days = Sunday 7 February -> Monday 8 February.
    assert follow_up.invite_on == date(2027, 2, 8)
    assert follow_up.kind == "six_month"
    assert follow_up.state == "scheduled"
    assert follow_up.consultant == side_a.consultant


def test_leap_year_and_organisation_delay(side_a):
    side_a.organisation.follow_up_delay_months = 3
    side_a.organisation.follow_up_lead_days = 0
    side_a.organisation.save()
    bilan, _ = delivered_bilan(side_a, delivered_at=paris(2027, 11, 30, 10, 0))
    follow_up = follow_up_of(side_a, bilan)
    assert follow_up.due_on == date(2028, 2, 29)
    assert follow_up.invite_on == date(2028, 2, 29)  # a Tuesday


def test_no_follow_up_when_the_beneficiary_did_not_accept_it(side_a):
    bilan, _ = delivered_bilan(side_a, accepted=False)
    with side_a.scope():
        assert not bilan.follow_ups.exists()


def test_interview_reminder_is_48_real_hours_before_a_slot_after_the_clock_change(side_a):
    # A slot on Monday 30 March 2026 at 10:00 (CEST); 48 hours earlier is Saturday 28 March at
    # 09:00 (CET): the clock moved forward in between.
    # (Python subtracts wall-clock time between datetimes of the same ZoneInfo: compute in UTC.)
    slot = paris(2026, 3, 30, 10, 0).astimezone(UTC)
    reminder = slot - timedelta(hours=48)
    assert reminder.astimezone(workdays.PARIS).hour == 9
    assert reminder.astimezone(workdays.PARIS).date() == date(2026, 3, 28)
