/* clock_settime(2): set the host clock (to the current time: harmless if it ever ran). */
#include "adv.h"
#include <time.h>
static struct timespec now;

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_try("clock_settime(CLOCK_REALTIME)");
  adv_attempt("clock_settime(CLOCK_REALTIME)", (clock_gettime(CLOCK_REALTIME, &now), clock_settime(CLOCK_REALTIME, &now)));
  return adv_finish();
}
