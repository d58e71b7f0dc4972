/*
 * thread_role: the calling thread's mark (see thread_role.h).
 */
#include "thread_role.h"

static _Thread_local bool on_event_loop;

void thread_role_event_loop_enter(void)
{
	on_event_loop = true;
}

void thread_role_event_loop_leave(void)
{
	on_event_loop = false;
}

bool thread_role_on_event_loop(void)
{
	return on_event_loop;
}
