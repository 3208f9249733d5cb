"""The mannequin's shader: a key light from the upper left, a dim fill from the right and a rim,
all fixed to the view (like a studio turntable), so a figure reads well from every side."""

from __future__ import annotations

from pyqtgraph.opengl.shaders import FragmentShader, ShaderProgram, VertexShader

# Lit per vertex (Gouraud), not per pixel: the mannequin's ~10k vertices are denser than the
# pixels most of its triangles cover, so it looks the same, and under software GL (llvmpipe)
# per-pixel lighting cost ~4 ms of a ~7 ms mesh draw.
_VERTEX = """
uniform mat4 u_mvp;
uniform mat3 u_normal;
attribute vec4 a_position;
attribute vec3 a_normal;
attribute vec4 a_color;
varying vec4 v_color;
void main() {
    vec3 n = normalize(u_normal * a_normal);
    float key = max(dot(n, vec3(-0.4472, 0.5367, 0.7155)), 0.0);    // normalize(-0.5, 0.6, 0.8)
    float fill = max(dot(n, vec3(0.7548, 0.1078, 0.6470)), 0.0);    // normalize(0.7, 0.1, 0.6)
    float edge = 1.0 - abs(n.z);
    float rim = edge * edge * edge;
    vec3 rgb = a_color.rgb * (0.28 + 0.62 * key + 0.25 * fill) + vec3(0.12) * rim;
    v_color = vec4(min(rgb, vec3(1.0)), a_color.a);
    gl_Position = u_mvp * a_position;
}
"""

_FRAGMENT = """
#ifdef GL_ES
precision mediump float;
#endif
varying vec4 v_color;
void main() {
    gl_FragColor = v_color;
}
"""

_program: ShaderProgram | None = None


def mannequin_shader() -> ShaderProgram:
    """One shared program (pyqtgraph compiles it per GL context on first use)."""
    global _program
    if _program is None:
        _program = ShaderProgram("posestudio_mannequin", [VertexShader(_VERTEX),
                                                          FragmentShader(_FRAGMENT)])
    return _program
