/* personality(ADDR_NO_RANDOMIZE): turn off ASLR for what it runs next. */
#include "adv.h"
#include <sys/personality.h>

int main(int argc, char** argv) {
  adv_start(argc, argv, 0, "");
  adv_try("personality(ADDR_NO_RANDOMIZE)");
  adv_attempt("personality(ADDR_NO_RANDOMIZE)", personality(ADDR_NO_RANDOMIZE));
  return adv_finish();
}
