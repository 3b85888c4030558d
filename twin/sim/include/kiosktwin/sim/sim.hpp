// Everything a model needs from the kernel.
#pragma once

#include <kiosktwin/sim/arrivals.hpp>
#include <kiosktwin/sim/calendar.hpp>
#include <kiosktwin/sim/conditions.hpp>
#include <kiosktwin/sim/distributions.hpp>
#include <kiosktwin/sim/event.hpp>
#include <kiosktwin/sim/random.hpp>
#include <kiosktwin/sim/resource.hpp>
#include <kiosktwin/sim/signal.hpp>
#include <kiosktwin/sim/simulation.hpp>
#include <kiosktwin/sim/stats.hpp>
#include <kiosktwin/sim/store.hpp>
#include <kiosktwin/sim/time.hpp>
#include <kiosktwin/sim/timer.hpp>
