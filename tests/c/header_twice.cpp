// The header compiles as C++ and tolerates being included twice.
#include "custinsight.h"
#include "custinsight.h"

#include <cstring>

int main() {
    return std::strcmp(custinsight_version(), CUSTINSIGHT_VERSION) == 0 ? 0 : 1;
}
