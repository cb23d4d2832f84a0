//! orbit.zig — a Kiln plugin in Zig, on the same C ABI as the C plugins (plugins/include/kiln.h).
//! Change a colour or SPEED and save: it reloads while the moons keep their place.
const std = @import("std");
const k = @cImport({
    @cDefine("KILN_NO_SHORT_NAMES", "1");
    @cInclude("kiln.h");
});

const BACKGROUND_COLOR: u32 = 0x0B1020FF;
const SUN_COLOR: u32 = 0xFFD54FFF;
const MOON_COLOR: u32 = 0x80DEEAFF;
const SPEED: f32 = 1.2; // radians per second

/// All state lives in the host-owned block: it survives every reload.
const State = extern struct {
    angle: f32,
    laps: u32,
};

var host: *const k.kiln_host = undefined;

fn init(s: ?*anyopaque) callconv(.C) void {
    const st: *State = @ptrCast(@alignCast(s.?));
    st.* = .{ .angle = 0, .laps = 0 };
}

fn update(s: ?*anyopaque, dt: f32) callconv(.C) void {
    const st: *State = @ptrCast(@alignCast(s.?));
    st.angle += SPEED * dt;
    if (st.angle > 2 * std.math.pi) {
        st.angle -= 2 * std.math.pi;
        st.laps += 1;
    }
}

fn draw(s: ?*anyopaque) callconv(.C) void {
    const st: *State = @ptrCast(@alignCast(s.?));
    const cx = @divTrunc(host.width, 2);
    const cy = @divTrunc(host.height, 2);
    host.clear.?(BACKGROUND_COLOR);
    host.circle.?(cx, cy, 14, SUN_COLOR);
    var i: u32 = 0;
    while (i < 3) : (i += 1) {
        const a = st.angle * @as(f32, @floatFromInt(i + 1)) / 2.0;
        const r: f32 = 30.0 + 22.0 * @as(f32, @floatFromInt(i));
        const x = cx + @as(i32, @intFromFloat(r * @cos(a)));
        const y = cy + @as(i32, @intFromFloat(r * @sin(a)));
        host.circle.?(x, y, 4, MOON_COLOR);
    }
    var buf: [32]u8 = undefined;
    const text = std.fmt.bufPrint(&buf, "laps {d}", .{st.laps}) catch "laps ?";
    host.text.?(text.ptr, text.len, 8, 8, 1, SUN_COLOR);
}

const descriptor = blk: {
    var d = std.mem.zeroes(k.kiln_plugin);
    d.abi_version = k.KILN_ABI_VERSION;
    d.name = "orbit";
    d.state_size = @sizeOf(State);
    d.state_version = 1;
    d.init = init;
    d.update = update;
    d.draw = draw;
    break :blk d;
};

export fn kiln_plugin_entry(h: ?*const k.kiln_host) callconv(.C) ?*const k.kiln_plugin {
    host = h.?;
    return &descriptor;
}
