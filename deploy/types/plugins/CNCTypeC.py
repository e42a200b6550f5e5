"""CNCTypeC: a laser cutter (no spindle; the head moves in X and Y, the focus height is its Z),
written in Python as the original service's plugins were. Served by `worker --type CNCTypeC`
through deploy/types/CNCTypeC.yaml."""

from cnc_plugin import CncPlugin, Reject, run


class CNCTypeC(CncPlugin):
    STATES = {
        "cutting": "running", "piercing": "running", "idle": "idle", "paused": "stopped",
        "door_open": "stopped", "calibrating": "setup", "service": "maintenance", "fault": "error",
    }

    def __init__(self, data):
        super().__init__(data)
        state = self.text("state", required=True)
        status = self.STATES.get(state.lower())
        if status is None:
            status = "unknown"
            self.mark("status:state")
        power = self.number("laser_power", required=True, plausible=(0, 12000))
        self.state = {
            "status": status,
            "axis_x_mm": self.number("X-Axis", required=True, plausible=(0, 3000)),
            "axis_y_mm": self.number("Y-Axis", required=True, plausible=(0, 1500)),
            "axis_z_mm": self.number("focus_height", plausible=(-10, 10)),
            "feed_rate_mm_min": self.number("cut_speed", plausible=(0, 60000)),
            "alarm_code": self.text("fault_code", max_length=32) or None,
            "part_count": self.number("sheets", whole=True),
        }
        if self.state["part_count"] is not None:
            self.state["part_count"] = int(self.state["part_count"])
        self.extra["laser_power_w"] = power
        # Logic a description cannot express: the beam on with no power is odd, kept and marked.
        if status == "running" and power == 0:
            self.mark("beam_on_without_power")


if __name__ == "__main__":
    run(CNCTypeC)
