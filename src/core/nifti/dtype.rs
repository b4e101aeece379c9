//! The NIfTI voxel data types cadet reads and writes, and typed buffers of them.

use bytemuck::Pod;

/// Supported NIfTI-1 data types with their header codes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NiftiDtype {
    U8,
    I8,
    U16,
    I16,
    U32,
    I32,
    F32,
    F64,
}

impl NiftiDtype {
    pub const ALL: [NiftiDtype; 8] = [
        NiftiDtype::U8,
        NiftiDtype::I8,
        NiftiDtype::U16,
        NiftiDtype::I16,
        NiftiDtype::U32,
        NiftiDtype::I32,
        NiftiDtype::F32,
        NiftiDtype::F64,
    ];

    pub fn from_code(code: i16) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.code() == code)
    }

    pub fn code(self) -> i16 {
        match self {
            NiftiDtype::U8 => 2,
            NiftiDtype::I16 => 4,
            NiftiDtype::I32 => 8,
            NiftiDtype::F32 => 16,
            NiftiDtype::F64 => 64,
            NiftiDtype::I8 => 256,
            NiftiDtype::U16 => 512,
            NiftiDtype::U32 => 768,
        }
    }

    pub fn size_bytes(self) -> usize {
        match self {
            NiftiDtype::U8 | NiftiDtype::I8 => 1,
            NiftiDtype::U16 | NiftiDtype::I16 => 2,
            NiftiDtype::U32 | NiftiDtype::I32 | NiftiDtype::F32 => 4,
            NiftiDtype::F64 => 8,
        }
    }

    /// numpy-style name ("int16", "float32", ...).
    pub fn name(self) -> &'static str {
        match self {
            NiftiDtype::U8 => "uint8",
            NiftiDtype::I8 => "int8",
            NiftiDtype::U16 => "uint16",
            NiftiDtype::I16 => "int16",
            NiftiDtype::U32 => "uint32",
            NiftiDtype::I32 => "int32",
            NiftiDtype::F32 => "float32",
            NiftiDtype::F64 => "float64",
        }
    }

    pub fn is_float(self) -> bool {
        matches!(self, NiftiDtype::F32 | NiftiDtype::F64)
    }
}

/// A typed voxel buffer as stored in a file (before scaling).
#[derive(Clone, Debug, PartialEq)]
pub enum NiftiData {
    U8(Vec<u8>),
    I8(Vec<i8>),
    U16(Vec<u16>),
    I16(Vec<i16>),
    U32(Vec<u32>),
    I32(Vec<i32>),
    F32(Vec<f32>),
    F64(Vec<f64>),
}

/// Applies `$body` to the inner vector of any variant, bound as `$v`.
macro_rules! with_data {
    ($data:expr, $v:ident => $body:expr) => {
        match $data {
            NiftiData::U8($v) => $body,
            NiftiData::I8($v) => $body,
            NiftiData::U16($v) => $body,
            NiftiData::I16($v) => $body,
            NiftiData::U32($v) => $body,
            NiftiData::I32($v) => $body,
            NiftiData::F32($v) => $body,
            NiftiData::F64($v) => $body,
        }
    };
}
pub(crate) use with_data;

impl NiftiData {
    /// A zero-filled buffer of `len` voxels, allocated fallibly (a corrupt header must not
    /// abort the process).
    pub fn try_zeroed(dtype: NiftiDtype, len: usize) -> Result<Self, std::collections::TryReserveError> {
        fn zeroed<T: Pod>(len: usize) -> Result<Vec<T>, std::collections::TryReserveError> {
            let mut v = Vec::new();
            v.try_reserve_exact(len)?;
            v.resize(len, T::zeroed());
            Ok(v)
        }
        Ok(match dtype {
            NiftiDtype::U8 => NiftiData::U8(zeroed(len)?),
            NiftiDtype::I8 => NiftiData::I8(zeroed(len)?),
            NiftiDtype::U16 => NiftiData::U16(zeroed(len)?),
            NiftiDtype::I16 => NiftiData::I16(zeroed(len)?),
            NiftiDtype::U32 => NiftiData::U32(zeroed(len)?),
            NiftiDtype::I32 => NiftiData::I32(zeroed(len)?),
            NiftiDtype::F32 => NiftiData::F32(zeroed(len)?),
            NiftiDtype::F64 => NiftiData::F64(zeroed(len)?),
        })
    }

    pub fn dtype(&self) -> NiftiDtype {
        match self {
            NiftiData::U8(_) => NiftiDtype::U8,
            NiftiData::I8(_) => NiftiDtype::I8,
            NiftiData::U16(_) => NiftiDtype::U16,
            NiftiData::I16(_) => NiftiDtype::I16,
            NiftiData::U32(_) => NiftiDtype::U32,
            NiftiData::I32(_) => NiftiDtype::I32,
            NiftiData::F32(_) => NiftiDtype::F32,
            NiftiData::F64(_) => NiftiDtype::F64,
        }
    }

    pub fn len(&self) -> usize {
        with_data!(self, v => v.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The buffer's bytes in native byte order.
    pub fn as_bytes(&self) -> &[u8] {
        with_data!(self, v => bytemuck::cast_slice(v.as_slice()))
    }

    pub fn as_bytes_mut(&mut self) -> &mut [u8] {
        with_data!(self, v => bytemuck::cast_slice_mut(v.as_mut_slice()))
    }

    /// Reverses the byte order of every element (for files of the other endianness).
    pub fn swap_bytes(&mut self) {
        let size = self.dtype().size_bytes();
        if size > 1 {
            for chunk in self.as_bytes_mut().chunks_exact_mut(size) {
                chunk.reverse();
            }
        }
    }

    /// The value at `index` as f64.
    pub fn get_f64(&self, index: usize) -> f64 {
        match self {
            NiftiData::U8(v) => f64::from(v[index]),
            NiftiData::I8(v) => f64::from(v[index]),
            NiftiData::U16(v) => f64::from(v[index]),
            NiftiData::I16(v) => f64::from(v[index]),
            NiftiData::U32(v) => f64::from(v[index]),
            NiftiData::I32(v) => f64::from(v[index]),
            NiftiData::F32(v) => f64::from(v[index]),
            NiftiData::F64(v) => v[index],
        }
    }
}
