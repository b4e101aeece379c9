//! Read-only typed arrays that views are sampled from, whoever owns the bytes: a volume in
//! memory, or a memory-mapped cache file whose pages the OS keeps or drops as it likes.

use std::marker::PhantomData;
use std::sync::Arc;

use bytemuck::Pod;

use crate::core::volume::{Volume, Voxels};

/// Something that holds bytes for as long as it lives (a `Vec`, a memory map, a volume).
pub trait ByteOwner: Send + Sync {
    fn bytes(&self) -> &[u8];
}

impl ByteOwner for memmap2::Mmap {
    fn bytes(&self) -> &[u8] {
        self
    }
}

impl<T: Pod + Send + Sync> ByteOwner for Vec<T> {
    fn bytes(&self) -> &[u8] {
        bytemuck::cast_slice(self)
    }
}

/// A volume's voxels, borrowed from the volume itself (no copy).
struct VolumeBytes(Arc<Volume>);

impl ByteOwner for VolumeBytes {
    fn bytes(&self) -> &[u8] {
        match self.0.voxels() {
            Voxels::I16(v) => bytemuck::cast_slice(v),
            Voxels::F32(v) => bytemuck::cast_slice(v),
        }
    }
}

/// `len` values of type `T` at byte `offset` of an owner, checked once on creation.
pub struct SharedArray<T> {
    owner: Arc<dyn ByteOwner>,
    offset: usize,
    len: usize,
    _type: PhantomData<T>,
}

impl<T> Clone for SharedArray<T> {
    fn clone(&self) -> Self {
        Self { owner: self.owner.clone(), offset: self.offset, len: self.len, _type: PhantomData }
    }
}

impl<T: Pod> SharedArray<T> {
    /// The array, or `None` when the range does not fit in the owner or is misaligned for `T`.
    pub fn new(owner: Arc<dyn ByteOwner>, offset: usize, len: usize) -> Option<Self> {
        let end = offset.checked_add(len.checked_mul(size_of::<T>())?)?;
        let bytes = owner.bytes().get(offset..end)?;
        bytemuck::try_cast_slice::<u8, T>(bytes).ok()?;
        Some(Self { owner, offset, len, _type: PhantomData })
    }

    /// A whole vector.
    pub fn from_vec(values: Vec<T>) -> Self
    where
        T: Send + Sync,
    {
        let len = values.len();
        Self { owner: Arc::new(values), offset: 0, len, _type: PhantomData }
    }

    #[inline]
    pub fn as_slice(&self) -> &[T] {
        // range and alignment were checked in `new`; the owner's bytes never change
        bytemuck::cast_slice(&self.owner.bytes()[self.offset..self.offset + self.len * size_of::<T>()])
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }
}

/// Voxel values in their stored type.
#[derive(Clone)]
pub enum VoxelArray {
    I16(SharedArray<i16>),
    F32(SharedArray<f32>),
}

impl VoxelArray {
    /// The voxels of a volume, sharing its memory.
    pub fn of_volume(volume: &Arc<Volume>) -> Self {
        let owner: Arc<dyn ByteOwner> = Arc::new(VolumeBytes(volume.clone()));
        let len = volume.len();
        match volume.voxels() {
            Voxels::I16(_) => Self::I16(SharedArray { owner, offset: 0, len, _type: PhantomData }),
            Voxels::F32(_) => Self::F32(SharedArray { owner, offset: 0, len, _type: PhantomData }),
        }
    }

    pub fn len(&self) -> usize {
        match self {
            VoxelArray::I16(a) => a.len(),
            VoxelArray::F32(a) => a.len(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_checked_once() {
        let owner: Arc<dyn ByteOwner> = Arc::new(vec![0u8, 1, 2, 3, 4, 5, 6, 7, 8]);
        let a = SharedArray::<u16>::new(owner.clone(), 2, 3).unwrap();
        assert_eq!(a.as_slice().len(), 3);
        assert!(SharedArray::<u16>::new(owner.clone(), 2, 4).is_none(), "past the end");
        assert_eq!(SharedArray::<u8>::new(owner, 8, 1).unwrap().as_slice(), &[8]);
        assert_eq!(SharedArray::from_vec(vec![1.5f32, 2.5]).as_slice(), &[1.5, 2.5]);
    }
}
