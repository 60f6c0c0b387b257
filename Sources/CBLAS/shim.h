/* OpenBLAS's CBLAS interface (Debian: libopenblas-dev provides cblas.h on the default path). */
#include <cblas.h>
