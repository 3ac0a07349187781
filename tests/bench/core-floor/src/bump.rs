//! Variant C': a bump allocator that never frees, in place of std's dlmalloc. A returning visit
//! allocates a few kilobytes once; `keepsCookie` calls allocate nothing that outlives them...
//! except through wasm-bindgen's string passing, so this leaks a little per call.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;

const PAGE: usize = 65_536;

struct Bump {
    next: Cell<usize>,
    end: Cell<usize>,
}

// wasm32-unknown-unknown without atomics has one thread.
unsafe impl Sync for Bump {}

#[global_allocator]
static ALLOCATOR: Bump = Bump {
    next: Cell::new(0),
    end: Cell::new(0),
};

unsafe impl GlobalAlloc for Bump {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let start = (self.next.get() + layout.align() - 1) & !(layout.align() - 1);
        let end = start + layout.size();
        if self.next.get() == 0 || end > self.end.get() {
            let pages = layout.size() / PAGE + 1;
            let base = core::arch::wasm32::memory_grow(0, pages);
            if base == usize::MAX {
                return core::ptr::null_mut();
            }
            let base = base * PAGE;
            self.next.set(base + layout.size());
            self.end.set(base + pages * PAGE);
            return base as *mut u8;
        }
        self.next.set(end);
        start as *mut u8
    }

    unsafe fn dealloc(&self, _ptr: *mut u8, _layout: Layout) {}
}
