"""Alerts' periodic work: the scan (timers, tickets, shop problems) every few seconds, and one
delivery task per robot with alerts due (so a failing robot never holds up another)."""

import logging

from celery import current_app, shared_task

from alerts.services.delivery import robot_deliver, robots_with_due_deliveries
from alerts.services.digest import digests_scan
from alerts.services.escalation import breaches_escalate
from alerts.services.other_alerts import integration_scan, ticket_sla_scan
from alerts.services.timers import first_response_scan

logger = logging.getLogger(__name__)


@shared_task(name="alerts.scan", ignore_result=True)
def alerts_scan_task() -> None:
    raised = first_response_scan()
    breaches_escalate(raised)
    ticket_sla_scan()
    integration_scan()
    digests_scan()
    for robot_id in robots_with_due_deliveries():
        current_app.tasks["alerts.robot_deliver"].delay(robot_id)


@shared_task(name="alerts.robot_deliver", ignore_result=True)
def robot_deliver_task(robot_id: int) -> None:
    report = robot_deliver(robot_id=robot_id)
    if report.error:
        logger.warning("robot %s: %s", robot_id, report.error)
