// cordon-spawner: the spawner (child/spawner_loop.h) as its own small,
// statically linked program. The launcher forks, puts its end of the
// spawner socket on descriptor 3 and execs this. A sandbox's init is a
// copy of the spawner, so a small spawner makes every clone3 and every
// sandbox exit cheaper (fewer mappings and pages to copy and to tear down),
// and a sandbox's init holds no copy of the launcher's memory at all.
#include "child/spawner_loop.h"

int main() { cordon::child::spawner_main(3); }
