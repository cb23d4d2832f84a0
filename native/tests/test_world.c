/* test_world.c — the shared world (issue 15), included by test_runtime.c. Fixtures: world_sys.c (owns Pos and Vel,
   spawns 100 entities, moves Pos by Vel; -DV2 changes Vel's layout, -DCRASH=n crashes after wrecking the world) and
   world_ids.c (checks ids, generations and queries from inside a system). */

typedef struct { float x, y; } world_pos;
typedef struct { float dx, dy; int32_t hp; int32_t tag; } world_vel1;
typedef struct { float spin; float dx, dy; float hp; } world_vel2;

/* Component id by name through the inspector API (-1 if none). */
static int32_t world_comp_id(kiln_runtime *rt, const char *name) {
    uint32_t n = 0;
    kiln_world_stats(rt, NULL, &n);
    for (int32_t c = 0; c < (int32_t)n; c++) {
        kiln_world_component_info info;
        kiln_state_field f[16];
        if (kiln_world_component(rt, c, &info, f, 16) == KILN_OK && strcmp(info.name, name) == 0) return c;
    }
    return -1;
}

static uint32_t world_entities(kiln_runtime *rt) { uint32_t n = 0; kiln_world_stats(rt, &n, NULL); return n; }

static int world_positions_of(kiln_runtime *rt, const char *component, world_pos *out, int cap);
static int world_positions(kiln_runtime *rt, world_pos *out, int cap) { return world_positions_of(rt, "Pos", out, cap); }

/* Pos of every entity, in index order (n of them). */
static int world_positions_of(kiln_runtime *rt, const char *component, world_pos *out, int cap) {
    uint64_t ids[512];
    int32_t pos = world_comp_id(rt, component);
    if (pos < 0) return -1;
    int32_t n = kiln_world_entities(rt, pos, 0, ids, 512);
    for (int i = 0; i < n && i < cap; i++) kiln_world_read(rt, ids[i], pos, (uint8_t *)&out[i], sizeof out[i]);
    return n;
}

static void test_world_ids_generations_and_queries(void) {
    kiln_runtime *rt = make_rt(NULL);
    CHECK_EQ(kiln_load_plugin(rt, "phys", compile_plugin("world_sys", "world_sys.c", "")), 1);
    CHECK_EQ(kiln_load_plugin(rt, "ids", compile_plugin("world_ids", "world_ids.c", "")), 1);
    CHECK_EQ(world_entities(rt), 100); /* phys's init */
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    const char *log = drain(rt);
    CHECK(strstr(log, "world-ids: ok") != NULL);
    if (!strstr(log, "world-ids: ok")) fprintf(stderr, "  log: %s\n", log);
    CHECK_EQ(world_entities(rt), 100);
    /* the state inspector lists plugins only: the world has its own calls */
    CHECK_EQ(kiln_state_plugin_count(rt), 2);
    kiln_world_component_info info;
    kiln_state_field f[16];
    CHECK_EQ(kiln_world_component(rt, world_comp_id(rt, "Vel"), &info, f, 16), KILN_OK);
    CHECK(strcmp(info.owner, "phys") == 0 && info.count == 100 && info.size == sizeof(world_vel1) && info.field_count == 4);
    /* systems run by phase: ids (SYSTEM_INPUT) ran before phys though loaded after; the move happened once */
    world_pos p[128];
    CHECK_EQ(world_positions(rt, p, 128), 100);
    CHECK(p[3].x == 4.0f && p[3].y == 3.0f);
    kiln_destroy(rt);
}

static void test_world_migration_kept_added_removed_converted(void) {
    kiln_runtime *rt = make_rt(NULL);
    CHECK_EQ(kiln_load_plugin(rt, "phys", compile_plugin("world_v1", "world_sys.c", "")), 1);
    for (int i = 0; i < 3; i++) CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    world_pos before[128];
    CHECK_EQ(world_positions(rt, before, 128), 100);
    drain(rt);
    CHECK_EQ(kiln_load_plugin(rt, "phys", compile_plugin("world_v2", "world_sys.c", "-DV2")), 2);
    kiln_world_migration m;
    CHECK_EQ(kiln_world_poll_migration(rt, &m), 1);
    CHECK(strcmp(m.component, "Vel") == 0 && strcmp(m.plugin, "phys") == 0 && m.version == 2);
    CHECK_EQ(m.entities, 100);
    CHECK_EQ(m.kept, 2);      /* dx, dy */
    CHECK_EQ(m.added, 1);     /* spin */
    CHECK_EQ(m.removed, 1);   /* tag */
    CHECK_EQ(m.converted, 1); /* hp: i32 -> f32 */
    CHECK(strstr(m.detail, "spin") && strstr(m.detail, "tag") && strstr(m.detail, "hp (i32[1] -> f32[1])"));
    CHECK_EQ(kiln_world_poll_migration(rt, &m), 0); /* Pos did not change */
    CHECK(strstr(drain(rt), "world: Vel migrated for 100 entities") != NULL);
    CHECK_EQ(world_entities(rt), 100);
    int32_t vel = world_comp_id(rt, "Vel");
    uint64_t ids[128];
    CHECK_EQ(kiln_world_entities(rt, vel, 0, ids, 128), 100);
    world_vel2 v;
    CHECK_EQ(kiln_world_read(rt, ids[7], vel, (uint8_t *)&v, sizeof v), (int32_t)sizeof v);
    CHECK(v.spin == 7.0f);  /* the owner's default, not zero */
    CHECK(v.dx == 1.0f && v.dy == 7.0f);
    CHECK(v.hp == 17.0f);   /* 10 + 7, converted */
    /* positions kept through the reload, and the new code moves them with the migrated velocities */
    world_pos after[128];
    CHECK_EQ(world_positions(rt, after, 128), 100);
    CHECK(after[7].x == before[7].x && after[7].y == before[7].y);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    world_positions(rt, after, 128);
    CHECK(after[7].x == before[7].x + 1 && after[7].y == before[7].y + 7);
    kiln_destroy(rt);
}

static void test_world_crashing_system_rolls_the_world_back(void) {
    kiln_runtime *rt = make_rt(NULL);
    CHECK_EQ(kiln_load_plugin(rt, "phys", compile_plugin("world_ok", "world_sys.c", "")), 1);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    CHECK_EQ(kiln_load_plugin(rt, "phys", compile_plugin("world_crash", "world_sys.c", "-DCRASH=1")), 2);
    world_pos before[128], after[128];
    CHECK_EQ(world_positions(rt, before, 128), 100);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_ERR_CRASH); /* despawned 50, spawned 1000, then segfaulted */
    CHECK_EQ(kiln_plugin_version(rt, "phys"), 1);
    CHECK_EQ(world_entities(rt), 100);
    CHECK_EQ(world_positions(rt, after, 128), 100);
    CHECK(memcmp(before, after, sizeof(world_pos) * 100) == 0);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK); /* version 1 carries on with the world */
    world_positions(rt, after, 128);
    CHECK(after[5].x == before[5].x + 1);

    /* a version that migrated the world and then crashes: the world goes back to the old layout */
    drain(rt);
    CHECK_EQ(kiln_load_plugin(rt, "phys", compile_plugin("world_v2_crash", "world_sys.c", "-DV2 -DCRASH=1")), 3);
    kiln_world_component_info info;
    kiln_state_field f[16];
    CHECK_EQ(kiln_world_component(rt, world_comp_id(rt, "Vel"), &info, f, 16), KILN_OK);
    CHECK_EQ(info.size, sizeof(world_vel2));
    world_positions(rt, before, 128);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_ERR_CRASH);
    CHECK_EQ(kiln_plugin_version(rt, "phys"), 1);
    CHECK_EQ(kiln_world_component(rt, world_comp_id(rt, "Vel"), &info, f, 16), KILN_OK);
    CHECK_EQ(info.size, sizeof(world_vel1));
    CHECK(strcmp(f[3].name, "tag") == 0);
    CHECK(strstr(drain(rt), "world: rolled back to before version 3 migrated") != NULL);
    CHECK_EQ(world_entities(rt), 100);
    world_positions(rt, after, 128);
    CHECK(memcmp(before, after, sizeof(world_pos) * 100) == 0);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    kiln_destroy(rt);
}

static void test_world_failed_load_changes_nothing(void) {
    kiln_runtime *rt = make_rt(NULL);
    CHECK_EQ(kiln_load_plugin(rt, "phys", compile_plugin("world_f1", "world_sys.c", "")), 1);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    /* Vel migrates, then the new state layout's init spawns 100 entities and crashes: all of it is undone */
    CHECK_EQ(kiln_load_plugin(rt, "phys", compile_plugin("world_f2", "world_sys.c", "-DV2 -DSTATE_V=2 -DINIT_CRASH")),
             KILN_ERR_CRASH);
    CHECK_EQ(kiln_plugin_version(rt, "phys"), 1);
    kiln_world_component_info info;
    kiln_state_field f[16];
    CHECK_EQ(kiln_world_component(rt, world_comp_id(rt, "Vel"), &info, f, 16), KILN_OK);
    CHECK_EQ(info.size, sizeof(world_vel1));
    CHECK_EQ(world_entities(rt), 100);
    kiln_world_migration m;
    CHECK_EQ(kiln_world_poll_migration(rt, &m), 0);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    kiln_destroy(rt);
}

static void test_world_survives_a_restart(void) {
    const char *wd;
    kiln_runtime *rt = make_rt(&wd);
    const char *so = compile_plugin("world_r", "world_sys.c", "");
    CHECK_EQ(kiln_load_plugin(rt, "phys", so), 1);
    for (int i = 0; i < 4; i++) CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    world_pos before[128], after[128];
    CHECK_EQ(world_positions(rt, before, 128), 100);
    kiln_destroy(rt);
    rt = kiln_create(W, H, wd);
    CHECK(rt != NULL);
    CHECK_EQ(kiln_load_plugin(rt, "phys", so), 1);
    CHECK_EQ(world_entities(rt), 100); /* init did not run again: the state and the world came back */
    CHECK_EQ(world_positions(rt, after, 128), 100);
    CHECK(memcmp(before, after, sizeof(world_pos) * 100) == 0);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    kiln_destroy(rt);
}

static void test_world_timeline_seek_restores_it(void) {
    kiln_runtime *rt = make_rt(NULL);
    CHECK_EQ(kiln_history_set_budget(rt, 8u << 20), KILN_OK);
    CHECK_EQ(kiln_load_plugin(rt, "phys", compile_plugin("world_h", "world_sys.c", "")), 1);
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    world_pos at1[128], now[128];
    world_positions(rt, at1, 128);
    uint64_t frame = kiln_frame_count(rt) - 1;
    for (int i = 0; i < 5; i++) CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    world_positions(rt, now, 128);
    CHECK(now[2].x == at1[2].x + 5);
    CHECK_EQ(kiln_history_seek(rt, frame), KILN_OK);
    world_positions(rt, now, 128);
    CHECK(memcmp(at1, now, sizeof(world_pos) * 100) == 0);
    kiln_destroy(rt);
}

/* Writes a component field from outside, as the entity inspector does: the next frame sees it. */
static void test_world_inspector_write(void) {
    kiln_runtime *rt = make_rt(NULL);
    CHECK_EQ(kiln_load_plugin(rt, "phys", compile_plugin("world_i", "world_sys.c", "")), 1);
    int32_t pos = world_comp_id(rt, "Pos");
    uint64_t ids[128];
    CHECK_EQ(kiln_world_entities(rt, pos, 0, ids, 128), 100);
    kiln_state_write_result r;
    CHECK_EQ(kiln_world_write(rt, ids[4], pos, "x", 0, &(kiln_state_value){KILN_VALUE_FLOAT, 0, 0, 250.5}, &r), KILN_OK);
    CHECK(r.old_value == 4.0 && r.new_value == 250.5);
    CHECK(strstr(drain(rt), "Pos#4.x: 4 \xe2\x86\x92 250.5 (inspector)") != NULL);
    CHECK_EQ(kiln_world_write(rt, ids[4], pos, "z", 0, &(kiln_state_value){KILN_VALUE_FLOAT, 0, 0, 1}, &r), KILN_ERR_NOT_FOUND);
    CHECK_EQ(kiln_world_write(rt, ids[4] + (1ull << 32), pos, "x", 0, &(kiln_state_value){KILN_VALUE_FLOAT, 0, 0, 1}, &r),
             KILN_ERR_NOT_FOUND); /* a stale generation */
    CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    world_pos p;
    CHECK_EQ(kiln_world_read(rt, ids[4], pos, (uint8_t *)&p, sizeof p), (int32_t)sizeof p);
    CHECK(p.x == 251.5f);
    kiln_destroy(rt);
}

static void test_world_asteroids_reload_physics_alone(void) {
    kiln_runtime *rt = make_rt(NULL);
    const char *physics = compile_plugin("ast_physics", "../../../plugins/asteroids/physics.c", "-lm");
    CHECK_EQ(kiln_load_plugin(rt, "physics", physics), 1);
    CHECK_EQ(kiln_load_plugin(rt, "input", compile_plugin("ast_input", "../../../plugins/asteroids/input.c", "-lm")), 1);
    CHECK_EQ(kiln_load_plugin(rt, "render", compile_plugin("ast_render", "../../../plugins/asteroids/render.c", "-lm")), 1);
    for (int i = 0; i < 30; i++) CHECK_EQ(kiln_frame(rt, 1.0 / 60), KILN_OK);
    uint32_t n = world_entities(rt);
    CHECK_EQ(n, 241); /* the ship and a field of 240 rocks */
    kiln_copy_framebuffer(rt, fbuf, sizeof fbuf);
    int rock_pixels = 0;
    for (int y = 0; y < H; y++) for (int x = 0; x < W; x++) { uint32_t c = px(x, y) >> 8; rock_pixels += c == 0x8D8D8D || c == 0xA8A8A8 || c == 0xC8C8C8; }
    CHECK(rock_pixels > 50);
    world_pos before[512], after[512];
    CHECK_EQ(world_positions_of(rt, "Position", before, 512), 241);
    CHECK_EQ(kiln_load_plugin_version(rt, "physics", physics, 2), 2);
    CHECK_EQ(kiln_plugin_version(rt, "physics"), 2);
    CHECK_EQ(kiln_plugin_version(rt, "render"), 1);
    CHECK_EQ(world_entities(rt), 241);
    CHECK_EQ(world_positions_of(rt, "Position", after, 512), 241);
    CHECK(memcmp(before, after, sizeof(world_pos) * 241) == 0);
    kiln_destroy(rt);
}

#define WORLD_TESTS                                                                                  \
    {"world_ids_generations_and_queries", test_world_ids_generations_and_queries},                   \
    {"world_migration_kept_added_removed_converted", test_world_migration_kept_added_removed_converted}, \
    {"world_crashing_system_rolls_the_world_back", test_world_crashing_system_rolls_the_world_back}, \
    {"world_failed_load_changes_nothing", test_world_failed_load_changes_nothing},                   \
    {"world_survives_a_restart", test_world_survives_a_restart},                                     \
    {"world_timeline_seek_restores_it", test_world_timeline_seek_restores_it},                       \
    {"world_inspector_write", test_world_inspector_write},                                           \
    {"world_asteroids_reload_physics_alone", test_world_asteroids_reload_physics_alone},

/* The example game: three systems on one world; physics reloaded alone keeps every entity as it was. */
