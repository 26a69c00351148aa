//! Kernel uniforms, declared once in Rust. [`uniform!`] defines the
//! `#[repr(C)]` struct the op fills in, and the shader's `struct Params` (plus
//! its binding, `p` at 0) is generated from that struct when the pipeline is
//! built, so the Rust and WGSL layouts cannot drift.
//!
//! WGSL's uniform layout puts each field at the next multiple of its alignment
//! (4 for `u32`/`f32`, 16 for `vec4`), and the buffer is rounded up to 16 bytes.
//! The Rust struct must already place every field where WGSL would (list
//! `vec4`s first, or fill gaps with named fields): otherwise the build fails.
//! The 16-byte tail is `_padN` fields in WGSL and zeros in the buffer.

use std::fmt::Write;

use bytemuck::Pod;

/// A Rust type a uniform field may have: its WGSL name and alignment in the
/// uniform address space. (No `vec3`: its 12-byte size with 16-byte alignment
/// is a classic layout trap, and no kernel needs one.)
pub(crate) trait WgslType: Pod {
    const NAME: &'static str;
    const ALIGN: usize;
}

impl WgslType for u32 {
    const NAME: &'static str = "u32";
    const ALIGN: usize = 4;
}

impl WgslType for f32 {
    const NAME: &'static str = "f32";
    const ALIGN: usize = 4;
}

impl WgslType for [u32; 4] {
    const NAME: &'static str = "vec4<u32>";
    const ALIGN: usize = 16;
}

impl WgslType for [f32; 4] {
    const NAME: &'static str = "vec4<f32>";
    const ALIGN: usize = 16;
}

/// One field of a uniform, as both sides see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Field {
    pub name: &'static str,
    pub wgsl_type: &'static str,
    /// Its offset in the Rust struct (checked to be WGSL's).
    pub offset: usize,
    pub size: usize,
    pub align: usize,
}

impl Field {
    pub const fn of<T: WgslType>(name: &'static str, offset: usize) -> Self {
        Field { name, wgsl_type: T::NAME, offset, size: std::mem::size_of::<T>(), align: T::ALIGN }
    }
}

/// A kernel's uniform (binding 0), made by [`uniform!`].
pub(crate) trait Uniform: Pod {
    const FIELDS: &'static [Field];

    /// Bytes of its buffer: the struct rounded up to 16, as WGSL sizes it.
    const BUFFER_SIZE: usize = std::mem::size_of::<Self>().next_multiple_of(16);

    /// `struct Params { .. }` and `var<uniform> p: Params` at binding 0, for
    /// the shader source.
    fn wgsl() -> String {
        let mut s = String::from("struct Params {\n");
        for f in Self::FIELDS {
            let _ = writeln!(s, "    {}: {},", f.name, f.wgsl_type);
        }
        for i in 0..(Self::BUFFER_SIZE - std::mem::size_of::<Self>()) / 4 {
            let _ = writeln!(s, "    _pad{i}: u32,");
        }
        s.push_str("}\n\n@group(0) @binding(0) var<uniform> p: Params;\n");
        s
    }
}

/// Whether the fields, in order, sit exactly where WGSL's uniform layout puts
/// them, with nothing after the last (so the WGSL tail is only `_padN`).
pub(crate) const fn wgsl_layout_matches(fields: &[Field], rust_size: usize) -> bool {
    let mut end = 0usize;
    let mut i = 0;
    while i < fields.len() {
        let f = &fields[i];
        if f.offset != end.next_multiple_of(f.align) {
            return false;
        }
        end = f.offset + f.size;
        i += 1;
    }
    end == rust_size
}

/// Defines a kernel's uniform struct (`#[repr(C)]`, `Pod`) and its WGSL
/// declaration; a layout WGSL would read differently is a compile error.
///
/// ```ignore
/// uniform! {
///     pub(crate) struct Params { dims: [u32; 4], count: u32 }
/// }
/// ```
macro_rules! uniform {
    (
        $(#[$attr:meta])*
        $vis:vis struct $name:ident { $($(#[$field_attr:meta])* $field:ident: $ty:ty),+ $(,)? }
    ) => {
        $(#[$attr])*
        #[repr(C)]
        #[derive(Clone, Copy, Debug, bytemuck::Pod, bytemuck::Zeroable)]
        $vis struct $name {
            $($(#[$field_attr])* $field: $ty,)+
        }

        impl $crate::uniform::Uniform for $name {
            const FIELDS: &'static [$crate::uniform::Field] = &[
                $($crate::uniform::Field::of::<$ty>(stringify!($field), ::std::mem::offset_of!($name, $field)),)+
            ];
        }

        const _: () = assert!(
            $crate::uniform::wgsl_layout_matches(
                <$name as $crate::uniform::Uniform>::FIELDS,
                ::std::mem::size_of::<$name>(),
            ),
            concat!(
                "uniform `", stringify!($name), "` in ", module_path!(),
                ": a field is not where WGSL's uniform layout puts it (put vec4 fields first)"
            ),
        );
    };
}
pub(crate) use uniform;

#[cfg(test)]
mod tests {
    use super::*;

    uniform! {
        struct Mixed {
            dims: [u32; 4],
            strides: [f32; 4],
            count: u32,
            eps: f32,
        }
    }

    uniform! {
        struct Scalar { count: u32 }
    }

    #[test]
    fn wgsl_declaration_follows_the_rust_struct() {
        assert_eq!(
            Mixed::wgsl(),
            "struct Params {\n    dims: vec4<u32>,\n    strides: vec4<f32>,\n    count: u32,\n    eps: f32,\n    \
             _pad0: u32,\n    _pad1: u32,\n}\n\n@group(0) @binding(0) var<uniform> p: Params;\n"
        );
    }

    #[test]
    fn buffers_round_up_to_16_bytes() {
        assert_eq!((std::mem::size_of::<Mixed>(), Mixed::BUFFER_SIZE), (40, 48));
        assert_eq!((std::mem::size_of::<Scalar>(), Scalar::BUFFER_SIZE), (4, 16));
        assert!(Scalar::wgsl().contains("_pad2: u32"));
    }

    #[test]
    fn a_vec4_after_a_scalar_is_not_wgsl_layout() {
        // What `struct { count: u32, dims: vec4<u32> }` would be in Rust:
        // dims at 4, where WGSL puts it at 16.
        let fields = [Field::of::<u32>("count", 0), Field::of::<[u32; 4]>("dims", 4)];
        assert!(!wgsl_layout_matches(&fields, 20));
        let fields = [Field::of::<[u32; 4]>("dims", 0), Field::of::<u32>("count", 16)];
        assert!(wgsl_layout_matches(&fields, 20));
    }
}
