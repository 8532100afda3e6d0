// INSTALL [for install and make selectable] (GP Card Specification 2.3 §11.5) and DELETE (§11.2)
// through an open session.
#pragma once

#include "host/gp/scp03_session.h"
#include "util/bytes.h"

namespace sesame::host::gp {

// An instance `application_aid` of module `module_aid` in load file `load_file_aid`, SELECTABLE,
// no privileges; `params` is the application's install parameters (sent as 'C9' { params }).
// Throws Error(Errc::state) naming the status word when the card refuses.
void install(Scp03Session& session, ByteView load_file_aid, ByteView module_aid, ByteView application_aid,
             ByteView params = {});
// Deletes an application instance and its data.
void delete_application(Scp03Session& session, ByteView application_aid);

}  // namespace sesame::host::gp
