"""Cheap checks that explain, in Chinese, why no plan can exist — before any solver runs.

A supervisor facing "INFEASIBLE" needs to know which rule cannot hold and for whom, so that
they can fix the data (a conflict, a link, a team's availability). These checks catch the
common causes by counting; what they miss, the solver's elastic diagnosis names afterwards.
"""

from __future__ import annotations

from collections import defaultdict

from pangting.lib.messages import N_, Message
from pangting.lib.planner.instance import PlanningInstance


def free_capacity(instance: PlanningInstance, team_id: str, semester: str) -> int:
    """Visits team `team_id` can still make in `semester` after its pins (monthly and semester caps)."""
    index = instance.index
    cap = instance.options.max_visits_per_team_per_month
    monthly = sum(
        max(0, cap - index.pins_by_team_month[(team_id, m)]) for m in index.available_months[(team_id, semester)]
    )
    semester_cap = index.team[team_id].capacity_per_semester
    if semester_cap is None:
        return monthly
    return max(0, min(monthly, semester_cap - index.pins_by_team_semester[(team_id, semester)]))


def explain_infeasibility(instance: PlanningInstance) -> list[str]:
    """Reasons, in Chinese, why the instance has no valid plan; empty if none was found."""
    index = instance.index
    opts = instance.options
    cap = opts.max_visits_per_team_per_month
    messages: list[str] = []  # Message texts (Chinese str, translatable on display)

    def uname(unit_id: str) -> str:
        return index.unit_name[unit_id]

    def tname(team_id: str) -> str:
        return index.team[team_id].name

    # Pins are kept exactly, so a pin that breaks a hard rule makes every plan break it.
    for pin in sorted(instance.pins, key=lambda p: (p.unit_id, p.team_id, p.month)):
        if not index.allowed(pin.unit_id, pin.team_id):
            messages.append(
                Message(
                    N_("固定安排与回避关系冲突：「{team}」不得巡听「{unit}」。"),
                    team=tname(pin.team_id),
                    unit=uname(pin.unit_id),
                )
            )
        if pin.month in index.team[pin.team_id].unavailable_months:
            messages.append(
                Message(
                    N_("固定安排落在不可用月份：「{team}」{month}月不可安排巡听。"),
                    team=tname(pin.team_id),
                    month=pin.month,
                )
            )
        if pin.month in index.unit_blocked.get(pin.unit_id, ()):
            messages.append(
                Message(
                    N_("固定安排落在不可用月份：「{unit}」的联络员{month}月不可安排，不能巡听该单位。"),
                    unit=uname(pin.unit_id),
                    month=pin.month,
                )
            )
    for (team_id, month), count in sorted(index.pins_by_team_month.items()):
        if count > cap:
            messages.append(
                Message(
                    N_("「{team}」{month}月的固定安排（{count}次）超过每月上限（{cap}次）。"),
                    team=tname(team_id),
                    month=month,
                    count=count,
                    cap=cap,
                )
            )
    for (team_id, sem_key), count in sorted(index.pins_by_team_semester.items()):
        semester_cap = index.team[team_id].capacity_per_semester
        if semester_cap is not None and count > semester_cap:
            label = index.semester[sem_key].label
            messages.append(
                Message(
                    N_("「{team}」{semester}的固定安排（{count}次）超过学期容量（{cap}次）。"),
                    team=tname(team_id),
                    semester=label,
                    count=count,
                    cap=semester_cap,
                )
            )

    # R-O11: units that must be observed this year but that no team may, or can, visit.
    open_units = [u for u in index.required_units if u not in index.pinned_units]
    all_conflicting = [u for u in open_units if not any(index.allowed(u, t) for t in index.team_ids)]
    if all_conflicting:
        messages.append(
            Message(
                N_("以下单位的所有工作组均存在回避关系，无法安排巡听旁听（R-O11）：{units}。"),
                units=[uname(u) for u in all_conflicting],
            )
        )
    no_time = [
        u
        for u in open_units
        if u not in all_conflicting
        and not any(index.allowed(u, t) and index.pair_has_time(u, t) for t in index.team_ids)
    ]
    if no_time:
        messages.append(
            Message(
                N_(
                    "以下单位全年没有可安排的月份（可带队的领导或该单位联络员各月均不可安排），"
                    "无法安排巡听旁听（R-O11）：{units}。"
                ),
                units=[uname(u) for u in no_time],
            )
        )

    # R-O12: with the Lanzhou rule every link is a visit in every semester.
    forced: dict[tuple[str, str], list[str]] = defaultdict(list)
    covered_by_links: set[str] = set()
    if opts.lanzhou_rule:
        conflicting_links = [(t, u) for t, u in index.linked_pairs() if not index.allowed(u, t)]
        if conflicting_links:
            messages.append(
                Message(
                    N_("以下挂钩关系存在回避冲突，无法满足每学期巡听挂钩单位的要求（R-O12）：{links}。"),
                    links=[f"{tname(t)}—{uname(u)}" for t, u in conflicting_links],
                )
            )
        for team_id, unit_id in index.linked_pairs():
            if not index.allowed(unit_id, team_id):
                continue
            covered_by_links.add(unit_id)
            for sem_key in index.semester_keys:
                if (unit_id, team_id, sem_key) not in index.pinned_triples:
                    forced[(team_id, sem_key)].append(unit_id)
        for (team_id, sem_key), units in sorted(forced.items()):
            label = index.semester[sem_key].label
            free = free_capacity(instance, team_id, sem_key)
            if not index.available_months[(team_id, sem_key)]:
                messages.append(
                    Message(
                        N_("「{team}」{semester}各月均不可用，无法巡听挂钩单位（R-O12）：{units}。"),
                        team=tname(team_id),
                        semester=label,
                        units=[uname(u) for u in units],
                    )
                )
            elif blocked := [u for u in units if not index.pair_months(u, team_id, sem_key)]:
                messages.append(
                    Message(
                        N_(
                            "「{team}」{semester}可用的月份与以下挂钩单位联络员的可安排月份没有交集，"
                            "无法每学期巡听（R-O12）：{units}。"
                        ),
                        team=tname(team_id),
                        semester=label,
                        units=[uname(u) for u in blocked],
                    )
                )
            elif len(units) > free:
                messages.append(
                    Message(
                        N_("「{team}」{semester}需巡听挂钩单位{count}个，超过其可用容量（{free}次）（R-O12）。"),
                        team=tname(team_id),
                        semester=label,
                        count=len(units),
                        free=free,
                    )
                )

    # Counting bound: the visits that must happen cannot exceed what all teams can still make.
    total_free = sum(free_capacity(instance, t, s) for t in index.team_ids for s in index.semester_keys)
    must_cover = [u for u in open_units if u not in covered_by_links]
    forced_visits = sum(len(units) for units in forced.values())
    if forced_visits + len(must_cover) > total_free:
        if opts.lanzhou_rule:
            messages.append(
                Message(
                    N_(
                        "按每学期巡听挂钩单位（R-O12）和两年轮次全覆盖（R-O11）的要求，全年至少需安排"
                        "{needed}次巡听，超过工作组全年可用容量（{free}次）。"
                    ),
                    needed=forced_visits + len(must_cover),
                    free=total_free,
                )
            )
        else:
            messages.append(
                Message(
                    N_("两年轮次内需巡听的单位数（{needed}）超过工作组全年可用容量（{free}）（R-O11）。"),
                    needed=len(must_cover),
                    free=total_free,
                )
            )

    # R-O13: a cycle without self-visits and without reciprocal pairs needs three units.
    if opts.cross_observation and len(index.unit_ids) < 3:
        messages.append(
            Message(
                N_("交叉旁听至少需要3个单位（当前{count}个），且不得互为对象（R-O13）。"),
                count=len(index.unit_ids),
            )
        )
    return messages
