// libjpeg-turbo's TurboJPEG API (libturbojpeg0-dev). Its functions and TJPF/TJCS/TJERR enums
// import into Swift as they are; the TJFLAG_* flags are plain integer macros and import too.
#include <turbojpeg.h>
