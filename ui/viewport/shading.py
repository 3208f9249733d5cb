"""The mannequin's shader: a key light from the upper left, a dim fill from the right and a rim,
all fixed to the view (like a studio turntable), so a figure reads well from every side."""

from __future__ import annotations

from pyqtgraph.opengl.shaders import FragmentShader, ShaderProgram, VertexShader

_VERTEX = """
uniform mat4 u_mvp;
uniform mat3 u_normal;
attribute vec4 a_position;
attribute vec3 a_normal;
attribute vec4 a_color;
varying vec4 v_color;
varying vec3 v_normal;
void main() {
    v_normal = normalize(u_normal * a_normal);
    v_color = a_color;
    gl_Position = u_mvp * a_position;
}
"""

_FRAGMENT = """
#ifdef GL_ES
precision mediump float;
#endif
varying vec4 v_color;
varying vec3 v_normal;
void main() {
    vec3 n = normalize(v_normal);
    float key = max(dot(n, normalize(vec3(-0.5, 0.6, 0.8))), 0.0);
    float fill = max(dot(n, normalize(vec3(0.7, 0.1, 0.6))), 0.0);
    float rim = pow(1.0 - abs(n.z), 3.0);
    vec3 rgb = v_color.rgb * (0.28 + 0.62 * key + 0.25 * fill) + vec3(0.12) * rim;
    gl_FragColor = vec4(min(rgb, vec3(1.0)), v_color.a);
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
