from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StudyConfig(AppConfig):
    """Study plans, sessions, agenda, speeches, attendance and check-in, self-study, 三会一课."""

    name = "pangting.study"
    label = "study"
    verbose_name = _("学习管理")

    def ready(self) -> None:
        from pangting.core import jobs, registry
        from pangting.workdays.recompute import register_deadline_recomputer

        from .services.sessions import recompute_refused

        register_deadline_recomputer("study.sessions", recompute_refused)
        jobs.register("study.reminders", "pangting.study.reminders.reminders_job")  # the morning timer
        registry.register_navigation_group("study", _("学习"))
        registry.register_navigation(_("学习会"), "study:session_list", "study.view", "study", order=50)
        registry.register_navigation(_("我的学习"), "study:my_study", "study.participate", "study", order=60)
        registry.register_navigation(_("学习计划"), "study:plan_list", "study.view", "study", order=70)
        registry.register_navigation(_("三会一课"), "study:branch_overview", "study.view", "study", order=80)
        registry.register_todo_provider("pangting.study.todos.study_todos", order=40)
        registry.register_demo_hook("pangting.study.demo.extend_demo", order=10)
        # After the observation demo (20) made its sessions: the records around them.
        registry.register_demo_hook("pangting.study.demo_followup.extend_demo", order=25)
        registry.register_page_section("login", "pangting.study.views.attendance.login_notice")
        registry.register_page_section("profile", "pangting.study.views.feeds.profile_section", order=10)
        registry.register_calendar_provider("pangting.study.ics.session_events", order=10)
        from .parameters import register_parameters

        register_parameters()
        from .archive import register_parameters as register_archive_parameters

        register_archive_parameters()  # R-S14
        from .training import register_parameters as register_training_parameters

        register_training_parameters()  # R-S18 / R-B6
        from pangting.core.deliveries import register_receipt_deadline

        for rule_id in ("R-S1", "R-S10"):  # the plan's, the arrangement form's and the report's addressees
            register_receipt_deadline(rule_id)
        from pangting.core import transitions

        from .workflows import WORKFLOWS

        for workflow in WORKFLOWS:
            transitions.register(workflow)
