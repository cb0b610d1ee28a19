import time

from django.core.management.base import BaseCommand

from integrations.robots.demo import demo_robot_simulator
from integrations.robots.simulator import start_robot_simulator


class Command(BaseCommand):
    help = (
        "Run the loopback WeCom/DingTalk/Feishu robot simulator with the demo robots; the page "
        "at / shows every message the robots received."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8700)

    def handle(self, *args, host, port, **options):
        handle = start_robot_simulator(demo_robot_simulator(), host=host, port=port)
        self.stdout.write(f"Robot simulator on {handle.base_url}/ (received messages)")
        for robot in handle.sim.robots.values():
            self.stdout.write(f"  {robot.kind.value}: {handle.webhook_url(robot)}")
        try:
            while handle.thread.is_alive():
                time.sleep(1)
        except KeyboardInterrupt:
            pass
        finally:
            handle.stop()
