// How the ISD's card content management commands (SET STATUS, INSTALL, DELETE) turn a refusal of
// the Card's administration functions into a status word: not found -> 6A88, bad data -> 6A80,
// anything else -> 6985. A store failure passes through (6581, and the card reloads; card.cpp).
#pragma once

#include "card/record_journal.h"
#include "iso7816/status_word.h"
#include "util/error.h"

namespace sesame::card {

template <class F>
void administer(F&& f) {
  try {
    f();
  } catch (const StoreFailure&) {
    throw;
  } catch (const Error& e) {
    switch (e.code()) {
      case Errc::not_found: iso7816::throw_sw(iso7816::Sw::referenced_data_not_found);
      case Errc::invalid_argument: iso7816::throw_sw(iso7816::Sw::incorrect_data);
      default: iso7816::throw_sw(iso7816::Sw::conditions_not_satisfied);
    }
  }
}

}  // namespace sesame::card
