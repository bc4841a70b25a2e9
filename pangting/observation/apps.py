from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ObservationConfig(AppConfig):
    """巡听旁听 / 列席旁听: plans, visits, letters, records, feedback, rectification."""

    name = "pangting.observation"
    label = "observation"
    verbose_name = _("巡听旁听")

    def ready(self) -> None:
        from pangting.core import jobs, registry

        jobs.register("observation.reminders", "pangting.observation.reminders.reminders_job")  # the morning timer
        jobs.register("observation.year_file", "pangting.observation.yearfile.year_file_job")  # R-O1, R-O15
        from pangting.workdays.recompute import register_deadline_recomputer

        from .services.refused import recompute_refused

        register_deadline_recomputer("observation.visits", recompute_refused)
        registry.register_navigation_group("observation", _("巡听旁听"))
        for order, (label, url_name, action) in enumerate(
            [
                (_("巡听旁听"), "observation:visit_list", "observation.view"),
                (_("旁听计划"), "observation:plan_detail", "observation.manage"),
                (_("应邀旁听"), "observation:invitation_list", "observation.reply"),
                (_("交叉旁听"), "observation:cross_list", "observation.view"),
                (_("典型经验"), "observation:practice_list", "observation.view"),
                (_("分组表"), "observation:grouping_list", "observation.view"),
            ]
        ):
            registry.register_navigation(label, url_name, action, "observation", order=100 + 10 * order)
        registry.register_todo_provider("pangting.observation.todos.observation_todos", order=50)
        registry.register_calendar_provider("pangting.observation.calendar.calendar_events", order=20)
        # A team leader reaches the unit of his visit, without the policy importing this app.
        registry.register_reach_extension("pangting.observation.services.team_reach_paths")
        registry.register_demo_hook("pangting.observation.demo.extend_demo", order=20)  # links visits to sessions
        registry.register_demo_hook("pangting.observation.demo.extend_city_demo", order=21)  # the city level (R-O23)
        from .coverage import register_parameters

        register_parameters()
        from .rectification import register_parameters as register_rectification_parameters

        register_rectification_parameters()
        from .plan_due import register_parameters as register_plan_parameters

        register_plan_parameters()
        from pangting.core.deliveries import register_receipt_deadline

        register_receipt_deadline("R-O4")  # the reply's addressees sign within working days
        from pangting.core import transitions

        from .workflows import WORKFLOWS

        for workflow in WORKFLOWS:
            transitions.register(workflow)
