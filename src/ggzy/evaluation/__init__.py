"""Expert pool and verifiable committee draws (一库专家共享 · 一地发起、多地联动)."""
