#include "store/memory_store.h"

#include "store/memory_backend.h"
#include "store/sealed_store.h"

namespace sesame::store {

std::unique_ptr<Store> open_memory_store(SecureBytes master_key, std::shared_ptr<StoreFaults> faults) {
  return open_sealed_store(std::make_shared<MemoryBackend>(std::move(faults)), std::move(master_key));
}

}  // namespace sesame::store
